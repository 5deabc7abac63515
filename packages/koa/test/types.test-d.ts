import type { AuthInfo } from '@bearer-guard/core'
import { type BearerState, bearerAuth, createGuard, requireScopes } from '@bearer-guard/koa'
import Router from '@koa/router'
import Koa, { type Middleware } from 'koa'
import { describe, expectTypeOf, it } from 'vitest'

const options = { issuer: 'https://issuer.example', audience: 'https://api.example' }

describe('@bearer-guard/koa types', () => {
  it('types ctx.state.auth as AuthInfo | undefined, in app middleware and @koa/router handlers', () => {
    const app = new Koa()
    app.use(bearerAuth(options))
    app.use((ctx) => {
      expectTypeOf(ctx.state.auth).toEqualTypeOf<AuthInfo | undefined>()
    })
    const router = new Router()
    router.get('/data', requireScopes('read:data'), (ctx) => {
      expectTypeOf(ctx.state.auth).toEqualTypeOf<AuthInfo | undefined>()
      ctx.body = ctx.state.auth?.claims
    })
    app.use(router.routes())
  })

  it('BearerState fits apps with their own state type', () => {
    expectTypeOf<BearerState['auth']>().toEqualTypeOf<AuthInfo | undefined>()
    interface AppState extends BearerState {
      requestId: string
    }
    const app = new Koa<AppState>()
    app.use(bearerAuth(options))
    app.use((ctx) => {
      expectTypeOf(ctx.state.auth).toEqualTypeOf<AuthInfo | undefined>()
      expectTypeOf(ctx.state.requestId).toEqualTypeOf<string>()
    })
  })

  it('accepts guard options, a guard, or { guard }, each with optional; returns Koa middleware', () => {
    const guard = createGuard(options)
    expectTypeOf(bearerAuth(guard)).toEqualTypeOf<Middleware>()
    expectTypeOf(bearerAuth({ guard, optional: true })).toEqualTypeOf<Middleware>()
    expectTypeOf(requireScopes(['a', 'b'], { mode: 'any' })).toEqualTypeOf<Middleware>()
    // @ts-expect-error: audience is required
    bearerAuth({ issuer: options.issuer })
    // @ts-expect-error: mode is 'all' or 'any'
    requireScopes('a', { mode: 'some' })
  })
})
