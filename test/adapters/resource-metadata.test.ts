/**
 * RFC 9728 metadata served by every adapter, byte for byte the same, with no token, even when
 * `bearerAuth` is mounted app-wide before anything else (Express, Koa) or under the plugin's default
 * policy (Fastify).
 */
import { once } from 'node:events'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createGuard, type Guard } from '@bearer-guard/core'
import { bearerAuth as expressAuth, protectedResourceMetadata as expressMetadata } from '@bearer-guard/express'
import fastifyAuth, { protectedResourceMetadataRoute } from '@bearer-guard/fastify'
import { bearerAuth as koaAuth, protectedResourceMetadata as koaMetadata } from '@bearer-guard/koa'
import { createTestIssuer, type TestIssuer } from '@bearer-guard/testing'
import express from 'express'
import express4 from 'express4'
import Fastify from 'fastify'
import Koa from 'koa'
import Koa2 from 'koa2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { send } from './http.js'

const RESOURCE = 'https://mcp.example.test/mcp'
const PATH = '/.well-known/oauth-protected-resource/mcp'
const METADATA_URL = `https://mcp.example.test${PATH}`

interface Running {
  readonly url: string
  close(): Promise<void>
}

async function listen(server: Server): Promise<Running> {
  if (!server.listening) await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  }
}

/** Each app: bearerAuth first and app-wide, then a protected route; nothing else serves the metadata. */
const apps: Record<string, (guard: Guard) => Promise<Running>> = {
  express: (guard) => {
    const app = express()
    app.use(expressAuth(guard))
    app.get('/mcp', (_req, res) => res.json({ ok: true }))
    return listen(app.listen(0, '127.0.0.1'))
  },
  'express 4': (guard) => {
    const app = (express4 as unknown as typeof express)()
    app.use(expressAuth(guard))
    app.get('/mcp', (_req, res) => res.json({ ok: true }))
    return listen(app.listen(0, '127.0.0.1'))
  },
  koa: (guard) => {
    const app = new Koa()
    app.use(koaAuth(guard))
    app.use((ctx) => {
      ctx.body = { ok: true }
    })
    return listen(app.listen(0, '127.0.0.1'))
  },
  'koa 2': (guard) => {
    const app = new (Koa2 as unknown as typeof Koa)()
    app.use(koaAuth(guard))
    app.use((ctx) => {
      ctx.body = { ok: true }
    })
    return listen(app.listen(0, '127.0.0.1'))
  },
  fastify: async (guard) => {
    const app = Fastify()
    await app.register(fastifyAuth, { guard })
    app.get('/mcp', async () => ({ ok: true }))
    await app.listen({ port: 0, host: '127.0.0.1' })
    return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, close: () => app.close() }
  },
}

let issuer: TestIssuer
let guard: Guard
beforeAll(async () => {
  issuer = await createTestIssuer()
  guard = createGuard({
    issuer: issuer.issuer,
    protectedResource: { resource: RESOURCE, scopesSupported: ['mcp:tools'], resourceName: 'Test MCP' },
  })
})
afterAll(async () => {
  await issuer.close()
})

describe.each(Object.keys(apps))('%s', (name) => {
  let app: Running
  beforeAll(async () => {
    app = await (apps[name] as (guard: Guard) => Promise<Running>)(guard)
  })
  afterAll(async () => {
    await app.close()
  })

  it('GET: the document with no token, JSON, cacheable, readable cross-origin', async () => {
    const response = await send(`${app.url}${PATH}`, { headers: { origin: 'https://inspector.example' } })
    expect(response.status).toBe(200)
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(response.headers['cache-control']).toBe('public, max-age=3600')
    expect(response.headers['access-control-allow-origin']).toBe('*')
    expect(response.headers['www-authenticate']).toBeUndefined()
    expect(response.text).toBe(guard.protectedResource?.json)
    expect(response.json()).toEqual({
      resource: RESOURCE,
      authorization_servers: [issuer.issuer],
      bearer_methods_supported: ['header'],
      scopes_supported: ['mcp:tools'],
      resource_name: 'Test MCP',
    })
  })

  it('a query string does not change the answer; a bad token is not even looked at', async () => {
    const response = await send(`${app.url}${PATH}?x=1`, { headers: { authorization: 'Bearer not-a-jwt' } })
    expect(response.status).toBe(200)
    expect(response.text).toBe(guard.protectedResource?.json)
  })

  it('HEAD: the headers without a body', async () => {
    const response = await send(`${app.url}${PATH}`, { method: 'HEAD' })
    expect(response.status).toBe(200)
    expect(response.text).toBe('')
    expect(response.headers['content-length']).toBe(String(Buffer.byteLength(guard.protectedResource?.json ?? '')))
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8')
  })

  it('OPTIONS: a CORS preflight answer, no token needed', async () => {
    const response = await send(`${app.url}${PATH}`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://inspector.example',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'mcp-protocol-version',
      },
    })
    expect(response.status).toBe(204)
    expect(response.headers['access-control-allow-origin']).toBe('*')
    expect(response.headers['access-control-allow-methods']).toBe('GET, HEAD, OPTIONS')
    expect(response.headers['access-control-allow-headers']).toBe('*')
  })

  it('the protected route still needs a token, and its 401 points at the document', async () => {
    const response = await send(`${app.url}/mcp`)
    expect(response.status).toBe(401)
    expect(response.headers['www-authenticate']).toBe(`Bearer resource_metadata="${METADATA_URL}"`)
    const ok = await send(`${app.url}/mcp`, { headers: { authorization: `Bearer ${await issuer.sign({ aud: RESOURCE })}` } })
    expect(ok.status).toBe(200)
  })

  it('a look-alike path is protected as usual', async () => {
    expect((await send(`${app.url}${PATH}/x`)).status).toBe(401)
    expect((await send(`${app.url}/.well-known/oauth-protected-resource`)).status).toBe(401)
  })
})

describe('standalone middleware and route, for bearerAuth mounted elsewhere', () => {
  it('Express: protectedResourceMetadata serves the document; bearerAuth only guards /api', async () => {
    const app = express()
    app.use('/api', expressAuth(guard))
    app.use(expressMetadata({ guard }))
    const running = await listen(app.listen(0, '127.0.0.1'))
    try {
      expect((await send(`${running.url}${PATH}`)).text).toBe(guard.protectedResource?.json)
      expect((await send(`${running.url}${PATH}`, { method: 'POST' })).status).toBe(405)
      expect((await send(`${running.url}/api/x`)).status).toBe(401)
    } finally {
      await running.close()
    }
  })

  it('Koa: protectedResourceMetadata serves the document', async () => {
    const app = new Koa()
    app.use(koaMetadata(guard))
    const running = await listen(app.listen(0, '127.0.0.1'))
    try {
      const response = await send(`${running.url}${PATH}`)
      expect(response.status).toBe(200)
      expect(response.text).toBe(guard.protectedResource?.json)
      expect((await send(`${running.url}/other`)).status).toBe(404)
    } finally {
      await running.close()
    }
  })

  it('a guard without protectedResource is refused at startup', () => {
    const plain = createGuard({ issuer: issuer.issuer, audience: 'x' })
    expect(() => expressMetadata(plain)).toThrow(/has no protectedResource/)
    expect(() => koaMetadata({ guard: plain })).toThrow(/has no protectedResource/)
    expect(() => expressMetadata({} as Guard)).toThrow(TypeError)
  })

  it('Fastify: a prefixed registration is refused; resourceMetadataRoute: false plus the route helper at the root', async () => {
    const prefixed = Fastify()
    prefixed.register(async (scope) => scope.register(fastifyAuth, { guard }), { prefix: '/api' })
    await expect(prefixed.ready()).rejects.toThrow(/registered under the prefix "\/api"/)
    await prefixed.close()

    const app = Fastify()
    app.register(
      async (scope) => {
        await scope.register(fastifyAuth, { guard, resourceMetadataRoute: false })
        scope.get('/x', async () => 'x')
      },
      { prefix: '/api' },
    )
    protectedResourceMetadataRoute(app, guard)
    const response = await app.inject({ method: 'GET', url: PATH })
    expect(response.statusCode).toBe(200)
    expect(response.body).toBe(guard.protectedResource?.json)
    expect((await app.inject({ method: 'GET', url: '/api/x' })).statusCode).toBe(401)
    await app.close()
  })
})
