/** Fastify-specific behaviour, through `inject`; the RFC 6750 matrix shared with Express and Koa is in test/adapters. */
import bearerAuth, { BearerError, createGuard, bearerAuth as named } from '@bearer-guard/fastify'
import { createTestIssuer, type TestIssuer } from '@bearer-guard/testing'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'

let issuer: TestIssuer
const apps: FastifyInstance[] = []

beforeAll(async () => {
  issuer = await createTestIssuer()
})
afterAll(() => issuer?.close())
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()))
})

const options = () => ({ issuer: issuer.issuer, jwksUri: issuer.jwksUri, audience: issuer.audience })

function fastify(): FastifyInstance {
  const app = Fastify()
  apps.push(app)
  return app
}

const bearer = async (scope?: string) => ({ authorization: `Bearer ${await issuer.sign({}, scope === undefined ? {} : { scope })}` })

describe('replies', () => {
  it('JSON body { error, error_description } with the status and challenge', async () => {
    const app = fastify()
    await app.register(bearerAuth, { ...options(), realm: 'api' })
    app.get('/read', { config: { auth: { scopes: 'read:data' } } }, async () => 'unreachable')
    const expired = await app.inject({ url: '/read', headers: { authorization: `Bearer ${await issuer.sign({}, { expiresIn: -60 })}` } })
    expect(expired.statusCode).toBe(401)
    expect(expired.headers['content-type']).toMatch(/^application\/json/)
    expect(expired.json()).toEqual({ error: 'invalid_token', error_description: 'token expired' })
    const none = await app.inject({ url: '/read' })
    expect(none.headers['www-authenticate']).toBe('Bearer realm="api"')
    expect(none.json()).toEqual({ error: 'unauthorized', error_description: 'bearer token required' })
    const scope = await app.inject({ url: '/read', headers: await bearer('other') })
    expect(scope.statusCode).toBe(403)
    expect(scope.json()).toEqual({ error: 'insufficient_scope', error_description: 'insufficient scope' })
  })

  it('503 body and headers while the JWKS is unreachable', async () => {
    const down = await createTestIssuer()
    down.fail('down')
    try {
      const app = fastify()
      await app.register(bearerAuth, { issuer: down.issuer, jwksUri: down.jwksUri, audience: down.audience })
      app.get('/me', async () => 'unreachable')
      const res = await app.inject({ url: '/me', headers: { authorization: `Bearer ${await down.sign()}` } })
      expect(res.statusCode).toBe(503)
      expect(res.headers['retry-after']).toMatch(/^[1-9]\d*$/)
      expect(res.headers['cache-control']).toBe('no-store')
      expect(res.headers['www-authenticate']).toBeUndefined()
      expect(res.json()).toEqual({ error: 'temporarily_unavailable', error_description: 'authorization keys temporarily unavailable' })
    } finally {
      await down.close()
    }
  })

  it('answers auth failures itself, so an app error handler that drops headers cannot lose the challenge; other errors still reach it', async () => {
    const app = fastify()
    const seen: unknown[] = []
    app.setErrorHandler((error, _request, reply) => {
      seen.push(error)
      return reply.code(500).send({ oops: true })
    })
    await app.register(bearerAuth, options())
    app.get('/me', async () => {
      throw new Error('handler bug')
    })
    const res = await app.inject({ url: '/me', headers: { authorization: 'Bearer abc' } })
    expect(res.statusCode).toBe(401)
    expect(res.headers['www-authenticate']).toBe('Bearer error="invalid_token", error_description="malformed token"')
    expect(seen).toEqual([])
    const bug = await app.inject({ url: '/me', headers: await bearer() })
    expect(bug.statusCode).toBe(500)
    expect(seen).toHaveLength(1)
    expect(BearerError.is(seen[0])).toBe(false)
  })

  it('a preSerialization hook can reshape the error body, as the README says', async () => {
    const app = fastify()
    await app.register(bearerAuth, options())
    app.addHook('preSerialization', async (_request, reply, payload) =>
      reply.statusCode >= 400 ? { problem: (payload as { error: string }).error, status: reply.statusCode } : payload,
    )
    app.get('/me', async () => ({ ok: true }))
    const res = await app.inject({ url: '/me' })
    expect(res.statusCode).toBe(401)
    expect(res.headers['www-authenticate']).toBe('Bearer')
    expect(res.json()).toEqual({ problem: 'unauthorized', status: 401 })
  })

  it('HEAD routes Fastify adds for GET routes are protected the same way', async () => {
    const app = fastify()
    await app.register(bearerAuth, options())
    app.get('/me', async () => ({ ok: true }))
    app.get('/read', { config: { auth: { scopes: ['read:data'] } } }, async () => ({ ok: true }))
    app.get('/public', { config: { auth: false } }, async () => ({ ok: true }))
    expect((await app.inject({ method: 'HEAD', url: '/me' })).statusCode).toBe(401)
    expect((await app.inject({ method: 'HEAD', url: '/read', headers: await bearer('x') })).statusCode).toBe(403)
    expect((await app.inject({ method: 'HEAD', url: '/read', headers: await bearer('read:data') })).statusCode).toBe(200)
    expect((await app.inject({ method: 'HEAD', url: '/public' })).statusCode).toBe(200)
  })
})

describe('route config', () => {
  it('is read once, at registration: changing the config object later changes nothing', async () => {
    const app = fastify()
    await app.register(bearerAuth, options())
    const scopes = ['read:data']
    const config: { auth: false | { scopes: string[] } } = { auth: { scopes } }
    app.get('/a', { config }, async () => 'a')
    app.get('/b', { config }, async () => 'b')
    scopes[0] = 'other'
    config.auth = false
    await app.ready()
    expect((await app.inject({ url: '/a' })).statusCode).toBe(401)
    expect((await app.inject({ url: '/b', headers: await bearer('other') })).statusCode).toBe(403)
    expect((await app.inject({ url: '/b', headers: await bearer('read:data') })).statusCode).toBe(200)
  })

  it.each([
    ['true', true, /must be false or \{ scopes, mode, optional \}/],
    ['a misspelt key', { scope: 'read:data' }, /unknown key "scope"/],
    ['a bad scope name', { scopes: 'read data' }, /invalid scope name/],
    ['no scopes at all', { scopes: [] }, /at least one scope/],
    ['mode without scopes', { mode: 'any' }, /mode needs scopes/],
    ['an unknown mode', { scopes: 'a', mode: 'some' }, /mode must be/],
    ['optional with scopes', { scopes: 'a', optional: true }, /cannot be combined with scopes/],
    ['a non-boolean optional', { optional: 'yes' }, /optional must be a boolean/],
  ])('invalid config.auth (%s) throws when the route is registered, naming it', async (_label, auth, message) => {
    const app = fastify()
    await app.register(bearerAuth, options())
    expect(() => app.get('/x', { config: { auth: auth as never } }, async () => 'x')).toThrow(message)
    expect(() => app.get('/y', { config: { auth: auth as never } }, async () => 'y')).toThrow(/route GET \/y/)
  })

  it('optional per route, overriding the plugin default either way', async () => {
    const app = fastify()
    await app.register(bearerAuth, { ...options(), optional: true })
    app.get('/open', async (request) => ({ auth: request.auth !== undefined }))
    app.get('/strict', { config: { auth: { optional: false } } }, async () => 'strict')
    expect((await app.inject({ url: '/open' })).json()).toEqual({ auth: false })
    expect((await app.inject({ url: '/open', headers: await bearer() })).json()).toEqual({ auth: true })
    expect((await app.inject({ url: '/open', headers: { authorization: 'Bearer abc' } })).statusCode).toBe(401)
    expect((await app.inject({ url: '/strict' })).statusCode).toBe(401)
  })
})

describe('hooks and encapsulation', () => {
  it('app.requireScopes validates names at once and works as onRequest or preHandler hook', async () => {
    const app = fastify()
    await app.register(named, { guard: createGuard({ ...options(), realm: 'api' }) })
    expect(() => app.requireScopes('read data')).toThrow(TypeError)
    app.get('/on-request', { onRequest: app.requireScopes(['a', 'b']) }, async () => 'ok')
    app.get('/pre-handler', { preHandler: app.requireScopes(['a', 'b'], { mode: 'any' }) }, async () => 'ok')
    const onlyA = await bearer('a')
    const res = await app.inject({ url: '/on-request', headers: onlyA })
    expect(res.statusCode).toBe(403)
    expect(res.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="insufficient scope", scope="a b"',
    )
    expect((await app.inject({ url: '/pre-handler', headers: onlyA })).statusCode).toBe(200)
  })

  it('an app-level onRequest hook added after the plugin already sees request.auth', async () => {
    const app = fastify()
    await app.register(bearerAuth, options())
    const seen: Array<string | undefined> = []
    app.addHook('onRequest', async (request) => {
      seen.push(request.auth?.subject)
    })
    app.get('/me', async () => 'ok')
    await app.inject({ url: '/me', headers: await bearer() })
    expect(seen).toEqual(['test-client'])
  })

  it('registered in a child scope, it protects that scope only', async () => {
    const app = fastify()
    app.get('/outside', async (request) => ({ auth: request.auth ?? null }))
    await app.register(
      async (child) => {
        await child.register(bearerAuth, options())
        child.get('/inside', async (request) => ({ sub: request.auth?.subject }))
      },
      { prefix: '/api' },
    )
    expect((await app.inject({ url: '/outside' })).json()).toEqual({ auth: null })
    expect((await app.inject({ url: '/api/inside' })).statusCode).toBe(401)
    expect((await app.inject({ url: '/api/inside', headers: await bearer() })).json()).toEqual({ sub: 'test-client' })
  })

  it('fails closed for routes registered before the plugin and for unknown URLs', async () => {
    const app = fastify()
    app.get('/early', async () => 'early')
    await app.register(bearerAuth, options())
    expect((await app.inject({ url: '/early' })).statusCode).toBe(401)
    expect((await app.inject({ url: '/nowhere' })).statusCode).toBe(401)
    expect((await app.inject({ url: '/nowhere', headers: await bearer() })).statusCode).toBe(404)
  })

  it('verifies after body parsing when body tokens are enabled (RFC 6750 §2.2)', async () => {
    const app = fastify()
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)))
    })
    await app.register(bearerAuth, { ...options(), tokenLocations: ['header', 'body'] })
    app.post('/form', async (request) => ({ sub: request.auth?.subject }))
    const res = await app.inject({
      method: 'POST',
      url: '/form',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `access_token=${await issuer.sign()}`,
    })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ sub: 'test-client' })
  })

  it('refuses a second registration in the same scope, and bad plugin options', async () => {
    const twice = fastify()
    await twice.register(bearerAuth, options())
    await expect(twice.register(bearerAuth, options())).rejects.toThrow(/already registered in this scope/)
    // @ts-expect-error: not a hook this plugin supports
    await expect(fastify().register(bearerAuth, { ...options(), hook: 'preHandler' })).rejects.toThrow(/"hook"/)
    const guard = createGuard(options())
    await expect(fastify().register(bearerAuth, { guard, audience: 'x' } as never)).rejects.toThrow(/cannot be combined/)
    // @ts-expect-error: audience is required
    await expect(fastify().register(bearerAuth, { issuer: issuer.issuer })).rejects.toThrow(/"audience"/)
  })
})
