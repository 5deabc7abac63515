import type { AuthInfo } from '@bearer-guard/core'
import { bearerAuth, createGuard, requireScopes } from '@bearer-guard/express'
import express, { type Request, type RequestHandler, Router } from 'express'
import { describe, expectTypeOf, it } from 'vitest'

const options = { issuer: 'https://issuer.example', audience: 'https://api.example' }

describe('@bearer-guard/express types', () => {
  it('types req.auth as AuthInfo | undefined through declaration merging', () => {
    expectTypeOf<Request['auth']>().toEqualTypeOf<AuthInfo | undefined>()
    const app = express()
    app.get('/data', requireScopes('read:data'), (req, res) => {
      expectTypeOf(req.auth).toEqualTypeOf<AuthInfo | undefined>()
      res.json(req.auth?.claims)
    })
    Router().get('/x', (req) => {
      expectTypeOf(req.auth).toEqualTypeOf<AuthInfo | undefined>()
    })
  })

  it('accepts guard options, a guard, or { guard }, each with optional; returns Express middleware', () => {
    const guard = createGuard(options)
    expectTypeOf(bearerAuth(options)).toEqualTypeOf<RequestHandler>()
    expectTypeOf(bearerAuth({ ...options, optional: true })).toEqualTypeOf<RequestHandler>()
    expectTypeOf(bearerAuth(guard)).toEqualTypeOf<RequestHandler>()
    expectTypeOf(bearerAuth({ guard, optional: true })).toEqualTypeOf<RequestHandler>()
    // @ts-expect-error: audience is required
    bearerAuth({ issuer: options.issuer })
    // @ts-expect-error: optional is a boolean
    bearerAuth({ guard, optional: 'yes' })
  })

  it('requireScopes takes one scope or a list, and a mode', () => {
    expectTypeOf(requireScopes(['a', 'b'] as const, { mode: 'any' })).toEqualTypeOf<RequestHandler>()
    // @ts-expect-error: mode is 'all' or 'any'
    requireScopes('a', { mode: 'some' })
    // @ts-expect-error: scopes are strings
    requireScopes(1)
  })
})
