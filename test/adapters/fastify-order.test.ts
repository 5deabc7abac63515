/**
 * Issue 9, Fastify registration and hook order, through real servers on 127.0.0.1: a declared
 * `config.auth` is enforced whatever the order of registration, or `ready()` refuses to start naming the
 * route; `app.requireScopes` placements either work or are refused at registration; a request that cannot
 * carry a form-body token is refused before its body is parsed.
 */
import { createGuard } from '@bearer-guard/core'
import bearerAuth from '@bearer-guard/fastify'
import { createTestIssuer, type TestIssuer } from '@bearer-guard/testing'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { guardOptions } from './apps.js'
import { type RequestHeaders, send } from './http.js'

let issuer: TestIssuer
const apps: FastifyInstance[] = []
beforeAll(async () => {
  issuer = await createTestIssuer()
})
afterAll(() => issuer?.close())
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()))
})

const options = () => guardOptions({ issuer: issuer.issuer, jwksUri: issuer.jwksUri, audience: issuer.audience, realm: undefined })
const bearer = async (scope: string) => ({ authorization: `Bearer ${await issuer.sign({}, { scope })}` })

function fastify(): FastifyInstance {
  const app = Fastify()
  apps.push(app)
  return app
}

/** What @fastify/formbody does, in three lines. */
function parseForms(app: FastifyInstance): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)))
  })
}

async function start(
  app: FastifyInstance,
): Promise<(path: string, init?: { method?: string; headers?: RequestHeaders; body?: string }) => Promise<number>> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  const origin = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
  return async (path, init) => (await send(`${origin}${path}`, init)).status
}

describe('a route with config.auth registered before the plugin gets its declared requirement, not the default', () => {
  it('same scope, route first: a token without the scope gets 403 (was 200)', async () => {
    const app = fastify()
    app.get('/write', { config: { auth: { scopes: 'write:data' } } }, async () => 'written')
    await app.register(bearerAuth, options())
    const status = await start(app)
    expect(await status('/write', { headers: await bearer('read:data') })).toBe(403)
    expect(await status('/write', { headers: await bearer('write:data') })).toBe(200)
    expect(await status('/write')).toBe(401)
  })

  it('plugin optional: true, route { optional: false } first: no token gets 401 (was 200)', async () => {
    const app = fastify()
    app.get('/strict', { config: { auth: { optional: false } } }, async () => 'strict')
    app.get('/open', async (request) => ({ auth: request.auth !== undefined }))
    await app.register(bearerAuth, { ...options(), optional: true })
    const status = await start(app)
    expect(await status('/strict')).toBe(401)
    expect(await status('/open')).toBe(200)
  })

  it('a child plugin registered earlier', async () => {
    const app = fastify()
    await app.register(async (child) => {
      child.get('/child/write', { config: { auth: { scopes: ['write:data'] } } }, async () => 'written')
      child.get('/child/public', { config: { auth: false } }, async () => 'public')
    })
    await app.register(bearerAuth, options())
    const status = await start(app)
    expect(await status('/child/write', { headers: await bearer('read:data') })).toBe(403)
    expect(await status('/child/write', { headers: await bearer('write:data') })).toBe(200)
    expect(await status('/child/public')).toBe(200)
  })

  it('after an un-awaited app.register(bearerAuth, ...)', async () => {
    const app = fastify()
    app.register(bearerAuth, { ...options(), optional: true })
    app.get('/write', { config: { auth: { scopes: ['write:data'], mode: 'any' } } }, async () => 'written')
    const status = await start(app)
    expect(await status('/write')).toBe(401)
    expect(await status('/write', { headers: await bearer('read:data') })).toBe(403)
    expect(await status('/write', { headers: await bearer('write:data') })).toBe(200)
  })

  it('a bad config.auth on such a route makes ready() reject, naming the route', async () => {
    const app = fastify()
    app.get('/typo', { config: { auth: { scope: 'write:data' } as never } }, async () => 'x')
    await app.register(bearerAuth, options())
    await expect(app.ready()).rejects.toThrow(/route GET \/typo: config.auth has unknown key "scope"/)
  })
})

describe('a route with config.auth where the plugin is not registered: ready() rejects, naming the route', () => {
  it('in a sibling scope', async () => {
    const app = fastify()
    await app.register(async (api) => {
      await api.register(bearerAuth, options())
      api.get('/api/me', async () => 'me')
    })
    await app.register(async (admin) => {
      admin.get('/admin', { config: { auth: { scopes: 'admin' } } }, async () => 'admin')
    })
    await expect(app.ready()).rejects.toThrow(/route GET \/admin declares config.auth, but the plugin is not registered in its scope/)
  })

  it('at the root, with the plugin in a child scope', async () => {
    const app = fastify()
    app.get('/root', { config: { auth: { optional: false } } }, async () => 'root')
    await app.register(async (api) => {
      await api.register(bearerAuth, options())
    })
    await expect(app.ready()).rejects.toThrow(/route GET \/root declares config.auth/)
  })

  it('no plugin at all; config.auth: false alone is fine', async () => {
    const app = fastify()
    app.get('/public', { config: { auth: false } }, async () => 'ok')
    await app.ready()
    const other = fastify()
    other.get('/x', { config: { auth: { scopes: 'a' } } }, async () => 'x')
    await expect(other.ready()).rejects.toThrow(/route GET \/x declares config.auth/)
  })
})

describe('app.requireScopes placement', () => {
  it("in a route's onRequest with hook: 'preValidation' and header tokens: a valid token passes (was 401)", async () => {
    const app = fastify()
    await app.register(bearerAuth, { ...options(), hook: 'preValidation' })
    app.get('/read', { onRequest: app.requireScopes('read:data') }, async () => 'read')
    app.post('/write', { onRequest: [app.requireScopes('write:data')] }, async () => 'written')
    const status = await start(app)
    expect(await status('/read', { headers: await bearer('read:data') })).toBe(200)
    expect(await status('/read', { headers: await bearer('other') })).toBe(403)
    expect(await status('/write', { method: 'POST', headers: await bearer('write:data') })).toBe(200)
  })

  it('before preValidation on a route that may get form posts verified there (body tokens): refused at registration', async () => {
    const app = fastify()
    parseForms(app)
    await app.register(bearerAuth, { ...options(), tokenLocations: ['header', 'body'] })
    expect(() => app.post('/form', { onRequest: app.requireScopes('write:data') }, async () => 'x')).toThrow(
      /route POST \/form: app.requireScopes is in onRequest, but form posts are verified in preValidation.*preHandler/,
    )
    expect(() => app.put('/form', { preParsing: [app.requireScopes('write:data')] }, async () => 'x')).toThrow(/is in preParsing/)
    // GET requests never carry a body token: they are verified in onRequest, so onRequest works there.
    app.get('/read', { onRequest: app.requireScopes('read:data') }, async () => 'read')
    app.post('/form', { preHandler: app.requireScopes('write:data') }, async () => 'written')
    const status = await start(app)
    expect(await status('/read', { headers: await bearer('read:data') })).toBe(200)
    const form = { 'content-type': 'application/x-www-form-urlencoded' }
    expect(
      await status('/form', { method: 'POST', headers: form, body: `access_token=${await issuer.sign({}, { scope: 'write:data' })}` }),
    ).toBe(200)
    expect(await status('/form', { method: 'POST', headers: form, body: `access_token=${await issuer.sign({}, { scope: 'x' })}` })).toBe(
      403,
    )
  })

  it('an app-level onRequest hook that runs before a form post is verified fails closed (500, logged), never 401s a valid token', async () => {
    const lines: string[] = []
    const app = Fastify({ logger: { level: 'error', stream: { write: (line: string) => lines.push(line) } } })
    apps.push(app)
    parseForms(app)
    await app.register(bearerAuth, { ...options(), tokenLocations: ['header', 'body'] })
    app.addHook('onRequest', app.requireScopes('write:data'))
    app.get('/read', async () => 'read')
    app.post('/form', async () => 'written')
    const status = await start(app)
    expect(await status('/read', { headers: await bearer('write:data') })).toBe(200)
    const form = { 'content-type': 'application/x-www-form-urlencoded' }
    expect(
      await status('/form', { method: 'POST', headers: form, body: `access_token=${await issuer.sign({}, { scope: 'write:data' })}` }),
    ).toBe(500)
    expect(lines.join('')).toMatch(/app.requireScopes ran before this form post was authenticated/)
  })

  it('on a public route (config.auth: false): refused at registration, it could only ever answer 401', () => {
    const app = fastify()
    return app.register(bearerAuth, options()).then(() => {
      expect(() => app.get('/p', { config: { auth: false }, preHandler: app.requireScopes('a') }, async () => 'x')).toThrow(
        /route GET \/p: config.auth is false \(public\), so app.requireScopes would answer 401/,
      )
    })
  })

  it("hook: 'onRequest' with a guard that accepts body tokens is refused: the token could never be read", async () => {
    await expect(fastify().register(bearerAuth, { ...options(), tokenLocations: ['header', 'body'], hook: 'onRequest' })).rejects.toThrow(
      /hook "onRequest" runs before the body is parsed/,
    )
    const guard = createGuard({ ...options(), tokenLocations: ['header', 'body'] })
    await expect(fastify().register(bearerAuth, { guard, hook: 'onRequest' })).rejects.toThrow(/hook "onRequest"/)
  })

  it('a shared guard that accepts body tokens gets them verified after parsing (was: never read)', async () => {
    const app = fastify()
    parseForms(app)
    await app.register(bearerAuth, { guard: createGuard({ ...options(), tokenLocations: ['header', 'body'] }) })
    app.post('/form', async (request) => ({ sub: request.auth?.subject }))
    const status = await start(app)
    const form = { 'content-type': 'application/x-www-form-urlencoded' }
    expect(await status('/form', { method: 'POST', headers: form, body: `access_token=${await issuer.sign()}` })).toBe(200)
  })
})

describe('unauthenticated requests are refused before their body is parsed', () => {
  /** An app whose parsers count what they parse. */
  async function countingApp(pluginOptions: Record<string, unknown>) {
    const app = fastify()
    const parsed: string[] = []
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 2 ** 21 }, (_request, body, done) => {
      parsed.push('form')
      done(null, Object.fromEntries(new URLSearchParams(body as string)))
    })
    app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: 2 ** 21 }, (_request, body, done) => {
      parsed.push('json')
      try {
        done(null, JSON.parse(body as string))
      } catch (error) {
        done(error as Error, undefined)
      }
    })
    await app.register(bearerAuth, { ...options(), ...pluginOptions })
    app.post('/upload', async () => 'stored')
    return { parsed, status: await start(app) }
  }

  const bigForm = `field=${'x'.repeat(900 * 1024)}`

  it("hook: 'preValidation' without body tokens: a 900 KB form, bad JSON, an unknown type all get 401 unparsed (were parsed, 400, 415)", async () => {
    const { parsed, status } = await countingApp({ hook: 'preValidation' })
    expect(
      await status('/upload', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: bigForm }),
    ).toBe(401)
    expect(await status('/upload', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' })).toBe(401)
    expect(await status('/upload', { method: 'POST', headers: { 'content-type': 'application/x-unknown' }, body: 'x' })).toBe(401)
    expect(
      await status('/upload', { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer abc' }, body: '{}' }),
    ).toBe(401)
    expect(parsed).toEqual([])
    const ok = await status('/upload', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await bearer('x')) },
      body: '{}',
    })
    expect(ok).toBe(200)
    expect(parsed).toEqual(['json'])
  })

  it('body tokens on: only form posts wait for the parser; other bodies are refused unparsed', async () => {
    const { parsed, status } = await countingApp({ tokenLocations: ['header', 'body'] })
    expect(await status('/upload', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' })).toBe(401)
    expect(await status('/upload', { method: 'POST', headers: { 'content-type': 'application/x-unknown' }, body: 'x' })).toBe(401)
    expect(parsed).toEqual([])
    // A form post may carry its token in the body: it has to be parsed (RFC 6750 §2.2), then it gets its 401.
    expect(
      await status('/upload', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: bigForm }),
    ).toBe(401)
    expect(parsed).toEqual(['form'])
    // A header token plus a body token is still two credentials (RFC 6750 §3.1): 400.
    const both = `access_token=${await issuer.sign()}`
    expect(
      await status('/upload', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...(await bearer('x')) },
        body: both,
      }),
    ).toBe(400)
  })
})
