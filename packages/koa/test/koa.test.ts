/** Koa-specific behaviour; the RFC 6750 matrix shared with Express and Fastify is in test/adapters. */
import { once } from 'node:events'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { BearerError, bearerAuth, createGuard, requireScopes } from '@bearer-guard/koa'
import { createTestIssuer, type TestIssuer } from '@bearer-guard/testing'
import Router from '@koa/router'
import Koa from 'koa'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { send } from '../../../test/adapters/http.js'

let issuer: TestIssuer
const servers: Server[] = []

beforeAll(async () => {
  issuer = await createTestIssuer()
})
afterAll(() => issuer?.close())
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))))
})

const options = () => ({ issuer: issuer.issuer, jwksUri: issuer.jwksUri, audience: issuer.audience })

async function serve(app: Koa): Promise<string> {
  const server = app.listen(0, '127.0.0.1')
  servers.push(server)
  await once(server, 'listening')
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

const bearer = async (scope?: string) => ({ authorization: `Bearer ${await issuer.sign({}, scope === undefined ? {} : { scope })}` })

describe('bearerAuth', () => {
  it('creates its guard once from guard options: one JWKS fetch for many requests', async () => {
    const app = new Koa()
    app.use(bearerAuth(options()))
    app.use((ctx) => {
      ctx.body = { client: ctx.state.auth?.clientId }
    })
    const url = await serve(app)
    issuer.resetCounts()
    const tokens = await Promise.all([bearer(), bearer('a'), bearer('b')])
    for (const headers of [...tokens, ...tokens]) {
      const res = await send(url, { headers })
      expect(res.status).toBe(200)
      expect(res.json()).toEqual({ client: 'test-client' })
    }
    expect(issuer.requests.jwks).toBe(1)
  })

  it("Koa's ctx.onerror answers unaided: status, challenge, the description as text, and no error log", async () => {
    const app = new Koa()
    const emitted: unknown[] = []
    app.on('error', (error) => emitted.push(error))
    app.use(bearerAuth({ ...options(), realm: 'api' }))
    app.use((ctx) => {
      ctx.body = 'unreachable'
    })
    const url = await serve(app)
    const res = await send(url, { headers: { authorization: 'Bearer abc' } })
    expect(res.status).toBe(401)
    expect(res.headers['www-authenticate']).toBe('Bearer realm="api", error="invalid_token", error_description="malformed token"')
    expect(res.headers['content-type']).toMatch(/^text\/plain/)
    expect(res.text).toBe('malformed token')
    // Koa's default listener stays quiet for `expose` errors: expected rejections do not flood the logs.
    expect(emitted).toHaveLength(1)
    expect(BearerError.is(emitted[0]) && emitted[0].expose).toBe(true)
  })

  it('an upstream error middleware sees the BearerError and can render it as JSON', async () => {
    const app = new Koa()
    app.use(async (ctx, next) => {
      try {
        await next()
      } catch (error) {
        if (!BearerError.is(error)) throw error
        ctx.status = error.status
        ctx.set({ ...error.headers })
        ctx.body = error.toJSON()
      }
    })
    app.use(bearerAuth(options()))
    const url = await serve(app)
    const res = await send(url, { headers: { authorization: 'Bearer a b' } })
    expect(res.status).toBe(400)
    expect(res.headers['www-authenticate']).toBe('Bearer error="invalid_request", error_description="malformed authorization header"')
    expect(res.json()).toEqual({ error: 'invalid_request', error_description: 'malformed authorization header' })
  })

  it('503 while the JWKS is unreachable carries Retry-After and no-store, and no challenge', async () => {
    const down = await createTestIssuer()
    down.fail('down')
    try {
      const app = new Koa()
      app.silent = true
      app.use(bearerAuth({ issuer: down.issuer, jwksUri: down.jwksUri, audience: down.audience }))
      const url = await serve(app)
      const res = await send(url, { headers: { authorization: `Bearer ${await down.sign()}` } })
      expect(res.status).toBe(503)
      expect(res.headers['retry-after']).toMatch(/^[1-9]\d*$/)
      expect(res.headers['cache-control']).toBe('no-store')
      expect(res.headers['www-authenticate']).toBeUndefined()
      expect(res.text).toBe('authorization keys temporarily unavailable')
    } finally {
      await down.close()
    }
  })

  it('reads a form-body token from ctx.request.body when enabled (RFC 6750 §2.2)', async () => {
    const app = new Koa()
    // The smallest urlencoded body parser, standing in for @koa/bodyparser.
    app.use(async (ctx, next) => {
      if (ctx.is('application/x-www-form-urlencoded')) {
        let raw = ''
        for await (const chunk of ctx.req) raw += chunk
        ;(ctx.request as { body?: unknown }).body = Object.fromEntries(new URLSearchParams(raw))
      }
      await next()
    })
    app.use(bearerAuth({ ...options(), tokenLocations: ['header', 'body'] }))
    app.use((ctx) => {
      ctx.body = { sub: ctx.state.auth?.subject }
    })
    const url = await serve(app)
    const res = await send(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `access_token=${await issuer.sign()}`,
    })
    expect(res.status).toBe(200)
    expect(res.json()).toEqual({ sub: 'test-client' })
  })
})

describe('requireScopes', () => {
  it('with @koa/router, after an optional bearerAuth: 401 with realm without a token, 403 without the scope', async () => {
    const guard = createGuard({ ...options(), realm: 'api' })
    const app = new Koa()
    const router = new Router()
    router.get('/read', requireScopes(['read:data', 'admin'], { mode: 'any' }), (ctx) => {
      ctx.body = { scopes: ctx.state.auth?.scopes }
    })
    app.use(bearerAuth({ guard, optional: true }))
    app.use(router.routes())
    const url = await serve(app)
    const none = await send(`${url}/read`)
    expect(none.status).toBe(401)
    expect(none.headers['www-authenticate']).toBe('Bearer realm="api"')
    const wrong = await send(`${url}/read`, { headers: await bearer('write:data') })
    expect(wrong.status).toBe(403)
    expect(wrong.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="insufficient scope", scope="read:data admin"',
    )
    const right = await send(`${url}/read`, { headers: await bearer('admin') })
    expect(right.json()).toEqual({ scopes: ['admin'] })
  })

  it('without any bearerAuth before it: fails closed with 500, never lets the request through', async () => {
    const app = new Koa()
    app.silent = true
    app.use(requireScopes('read:data'))
    app.use((ctx) => {
      ctx.body = 'unreachable'
    })
    const url = await serve(app)
    const res = await send(url, { headers: await bearer('read:data') })
    expect(res.status).toBe(500)
    expect(res.text).not.toContain('unreachable')
  })

  it('validates scope names and mode when the middleware is built', () => {
    expect(() => requireScopes('read data')).toThrow(TypeError)
    expect(() => requireScopes([])).toThrow(TypeError)
    // @ts-expect-error: not a mode
    expect(() => requireScopes('read', { mode: 'some' })).toThrow(TypeError)
  })
})

describe('options', () => {
  it('refuses shapes that would be silently ignored or are not guards', () => {
    const guard = createGuard(options())
    expect(() => bearerAuth({ guard, issuer: issuer.issuer })).toThrow(/cannot be combined/)
    // @ts-expect-error: not a Guard
    expect(() => bearerAuth({ guard: {} })).toThrow(/must be a Guard/)
    // @ts-expect-error: optional is a boolean
    expect(() => bearerAuth({ guard, optional: 1 })).toThrow(/"optional" must be a boolean/)
    expect(() => bearerAuth(undefined as never)).toThrow(TypeError)
  })
})
