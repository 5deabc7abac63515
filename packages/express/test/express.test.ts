/** Express-specific behaviour; the RFC 6750 matrix shared with Koa and Fastify is in test/adapters. */
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { BearerError, bearerAuth, createGuard, requireScopes } from '@bearer-guard/express'
import { createTestIssuer, type TestIssuer } from '@bearer-guard/testing'
import express, { type ErrorRequestHandler, type Express } from 'express'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { send } from '../../../test/adapters/http.js'

let issuer: TestIssuer
const servers: Array<{ close(cb: () => void): void }> = []

beforeAll(async () => {
  issuer = await createTestIssuer()
})
afterAll(() => issuer?.close())
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))))
})

const options = () => ({ issuer: issuer.issuer, jwksUri: issuer.jwksUri, audience: issuer.audience })

async function serve(app: Express): Promise<string> {
  const server = app.listen(0, '127.0.0.1')
  servers.push(server)
  await once(server, 'listening')
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

const bearer = async (scope?: string) => ({ authorization: `Bearer ${await issuer.sign({}, scope === undefined ? {} : { scope })}` })

describe('bearerAuth with guard options', () => {
  it('creates its guard once, at startup: one JWKS fetch for many requests', async () => {
    const app = express()
    app.use(bearerAuth({ ...options(), realm: 'api' }))
    app.get('/me', (req, res) => {
      res.json({ client: req.auth?.clientId })
    })
    const url = await serve(app)
    issuer.resetCounts()
    const tokens = await Promise.all([bearer(), bearer('a'), bearer('b')])
    for (const headers of [...tokens, ...tokens]) {
      const res = await send(`${url}/me`, { headers })
      expect(res.status).toBe(200)
      expect(res.json()).toEqual({ client: 'test-client' })
    }
    expect(issuer.requests.jwks).toBe(1)
  })

  it("Express's own final handler answers a failure: status, challenge, no internals in the body", async () => {
    const app = express()
    app.use(bearerAuth({ ...options(), realm: 'api' }))
    app.get('/me', (_req, res) => {
      res.send('unreachable')
    })
    const url = await serve(app)
    const res = await send(`${url}/me`, { headers: { authorization: 'Bearer abc' } })
    expect(res.status).toBe(401)
    expect(res.headers['www-authenticate']).toBe('Bearer realm="api", error="invalid_token", error_description="malformed token"')
    // BearerError captures no stack: even a development-mode error page shows only the class and description.
    expect(res.text).not.toMatch(/node_modules|\.js:\d+|at /)
    expect(res.text).not.toContain('unreachable')
  })

  it("a user's error handler gets the BearerError and can render it as JSON", async () => {
    const app = express()
    app.use(bearerAuth(options()))
    app.get('/me', (_req, res) => {
      res.send('unreachable')
    })
    const render: ErrorRequestHandler = (error, _req, res, next) => {
      if (!BearerError.is(error)) return next(error)
      res.status(error.status).set(error.headers).json(error)
    }
    app.use(render)
    const url = await serve(app)
    const res = await send(`${url}/me`, { headers: { authorization: 'Bearer' } })
    expect(res.status).toBe(400)
    expect(res.headers['www-authenticate']).toBe('Bearer error="invalid_request", error_description="missing bearer token"')
    expect(res.json()).toEqual({ error: 'invalid_request', error_description: 'missing bearer token' })
  })

  it('reads a form-body token when enabled and a body parser ran first (RFC 6750 §2.2)', async () => {
    const app = express()
    app.post('/no-parser', bearerAuth({ ...options(), tokenLocations: ['header', 'body'] }), (req, res) => {
      res.json({ sub: req.auth?.subject })
    })
    app.use(express.urlencoded({ extended: false }))
    app.use(bearerAuth({ ...options(), tokenLocations: ['header', 'body'] }))
    app.post('/form', (req, res) => {
      res.json({ sub: req.auth?.subject })
    })
    const url = await serve(app)
    const form = { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' } }
    const body = `access_token=${await issuer.sign()}&x=1`
    const res = await send(`${url}/form`, { ...form, body })
    expect(res.status).toBe(200)
    expect(res.json()).toEqual({ sub: 'test-client' })
    // Without a parsed body there is no token to find.
    expect((await send(`${url}/no-parser`, { ...form, body })).status).toBe(401)
    // Header and body together is one credential too many (RFC 6750 §3.1).
    const both = await send(`${url}/form`, { ...form, body, headers: { ...form.headers, ...(await bearer()) } })
    expect(both.status).toBe(400)
  })

  it('reads a query token from the full URL when mounted under a path (RFC 6750 §2.3 opt-in)', async () => {
    const app = express()
    const router = express.Router()
    router.use(bearerAuth({ ...options(), tokenLocations: ['header', 'query'] }))
    router.get('/me', (req, res) => {
      res.json({ sub: req.auth?.subject })
    })
    app.use('/api', router)
    const url = await serve(app)
    const res = await send(`${url}/api/me?access_token=${await issuer.sign()}`)
    expect(res.status).toBe(200)
    expect(res.json()).toEqual({ sub: 'test-client' })
  })
})

describe('requireScopes', () => {
  it('after an optional bearerAuth and no token: 401 with the guard realm, not 403', async () => {
    const guard = createGuard({ ...options(), realm: 'api' })
    const app = express()
    app.use(bearerAuth({ guard, optional: true }))
    app.get('/open', (req, res) => {
      res.json({ auth: req.auth !== undefined })
    })
    app.get('/read', requireScopes('read:data'), (_req, res) => {
      res.json({ ok: true })
    })
    const url = await serve(app)
    expect((await send(`${url}/open`)).json()).toEqual({ auth: false })
    const res = await send(`${url}/read`)
    expect(res.status).toBe(401)
    expect(res.headers['www-authenticate']).toBe('Bearer realm="api"')
    expect((await send(`${url}/read`, { headers: await bearer('read:data') })).status).toBe(200)
  })

  it('without any bearerAuth before it: fails closed with 500, never lets the request through', async () => {
    const app = express()
    app.get('/read', requireScopes('read:data'), (_req, res) => {
      res.send('unreachable')
    })
    const url = await serve(app)
    const res = await send(`${url}/read`, { headers: await bearer('read:data') })
    expect(res.status).toBe(500)
    expect(res.text).not.toContain('unreachable')
  })

  it('validates scope names and mode when the route is declared', () => {
    expect(() => requireScopes('read data')).toThrow(TypeError)
    expect(() => requireScopes([])).toThrow(TypeError)
    expect(() => requireScopes('a"b')).toThrow(TypeError)
    // @ts-expect-error: not a mode
    expect(() => requireScopes('read', { mode: 'some' })).toThrow(TypeError)
  })
})

describe('options', () => {
  it('refuses shapes that would be silently ignored or are not guards', () => {
    const guard = createGuard(options())
    // Types allow it (an object union), so the runtime check is what stops it.
    expect(() => bearerAuth({ guard, issuer: issuer.issuer })).toThrow(/cannot be combined/)
    // @ts-expect-error: not a Guard
    expect(() => bearerAuth({ guard: {} })).toThrow(/must be a Guard/)
    // @ts-expect-error: optional is a boolean
    expect(() => bearerAuth({ guard, optional: 'yes' })).toThrow(/"optional" must be a boolean/)
    // @ts-expect-error: audience is required
    expect(() => bearerAuth({ issuer: issuer.issuer })).toThrow(/"audience"/)
    expect(() => bearerAuth(null as never)).toThrow(TypeError)
  })
})
