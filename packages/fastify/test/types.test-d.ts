import type { AuthInfo } from '@bearer-guard/core'
import bearerAuth, { createGuard, bearerAuth as named, type RequireScopesHook } from '@bearer-guard/fastify'
import Fastify, { type FastifyRequest } from 'fastify'
import { describe, expectTypeOf, it } from 'vitest'

const options = { issuer: 'https://issuer.example', audience: 'https://api.example' }

describe('@bearer-guard/fastify types', () => {
  it('types request.auth as AuthInfo | undefined', async () => {
    expectTypeOf<FastifyRequest['auth']>().toEqualTypeOf<AuthInfo | undefined>()
    const app = Fastify()
    await app.register(bearerAuth, options)
    app.get<{ Querystring: { q: string } }>('/data', { config: { auth: { scopes: ['read:data'] } } }, async (request) => {
      expectTypeOf(request.auth).toEqualTypeOf<AuthInfo | undefined>()
      return request.auth?.claims
    })
  })

  it('types config.auth: false or { scopes, mode, optional }', () => {
    const app = Fastify()
    app.get('/public', { config: { auth: false } }, async () => 'ok')
    app.get('/any', { config: { auth: { scopes: ['a', 'b'], mode: 'any' } } }, async () => 'ok')
    app.get('/opt', { config: { auth: { optional: true } } }, async () => 'ok')
    // Fastify infers a route's ContextConfig from the literal and intersects it with ours: `auth: true`,
    // strings and likely misspellings of `scopes` are still refused by the types, as registration refuses them.
    // @ts-expect-error: auth is false or an object
    app.get('/true', { config: { auth: true } }, async () => 'ok')
    // @ts-expect-error: auth is false or an object
    app.route({ method: 'GET', url: '/string', config: { auth: 'read:data' }, handler: async () => 'ok' })
    // @ts-expect-error: the key is scopes
    app.get('/scope', { config: { auth: { scope: ['read:data'] } } }, async () => 'ok')
    // @ts-expect-error: the key is scopes
    app.route({ method: 'GET', url: '/scp', config: { auth: { scp: 'read:data' } }, handler: async () => 'ok' })
    // @ts-expect-error: with explicit route generics, any unknown key is an excess property
    app.get<{ Params: { id: string } }>('/typed/:id', { config: { auth: { scopez: 'a' } } }, async () => 'ok')
    // @ts-expect-error: mode is 'all' or 'any'
    app.get('/bad-mode', { config: { auth: { scopes: 'a', mode: 'some' } } }, async () => 'ok')
  })

  it('plugin options: guard options or { guard }, plus optional and hook; named and default export are one plugin', async () => {
    expectTypeOf(named).toEqualTypeOf(bearerAuth)
    const app = Fastify()
    await app.register(bearerAuth, { guard: createGuard(options), optional: true, hook: 'preValidation' })
    await app.register(bearerAuth, createGuard(options))
    // @ts-expect-error: audience is required
    await app.register(bearerAuth, { issuer: options.issuer })
  })

  it('app.requireScopes returns a hook usable as onRequest and preHandler, also on typed routes', () => {
    const app = Fastify()
    const hook = app.requireScopes('read:data', { mode: 'all' })
    expectTypeOf(hook).toEqualTypeOf<RequireScopesHook>()
    app.get('/a', { onRequest: hook }, async () => 'ok')
    app.get<{ Params: { id: string } }>('/b/:id', { preHandler: [app.requireScopes(['a', 'b'], { mode: 'any' })] }, async () => 'ok')
    // @ts-expect-error: mode is 'all' or 'any'
    app.requireScopes('a', { mode: 'some' })
  })
})
