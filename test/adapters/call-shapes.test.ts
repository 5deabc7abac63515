/**
 * Issue 9, "requireScopes('read:data', 'write:data') in plain JS": calls that are not what the signature
 * says must throw at startup with the right call, never protect less than they read. Written as a hurried
 * plain-JS user writes them (hence the casts), through real Express 5/4 and Koa 3/2 servers and Fastify.
 */
import { compileScopeCheck, requireScopes as coreRequireScopes, createGuard } from '@bearer-guard/core'
import { bearerAuth as expressAuth, requireScopes as expressScopes } from '@bearer-guard/express'
import fastifyAuth from '@bearer-guard/fastify'
import { bearerAuth as koaAuth, requireScopes as koaScopes } from '@bearer-guard/koa'
import { createTestIssuer, type TestIssuer } from '@bearer-guard/testing'
import express from 'express'
import express4 from 'express4'
import Fastify from 'fastify'
import Koa from 'koa'
import Koa2 from 'koa2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { guardOptions } from './apps.js'
import { send } from './http.js'
import { listenOn } from './listen.js'

let issuer: TestIssuer
beforeAll(async () => {
  issuer = await createTestIssuer()
})
afterAll(() => issuer?.close())

const options = () => guardOptions({ issuer: issuer.issuer, jwksUri: issuer.jwksUri, audience: issuer.audience, realm: undefined })
const bearer = async (scope: string) => ({ authorization: `Bearer ${await issuer.sign({}, { scope })}` })
// What plain JavaScript lets through.
const loose = <F>(fn: F) => fn as unknown as (...args: unknown[]) => unknown

const RIGHT_CALL = /requireScopes\(\['read:data', 'write:data'\]\).*requireScopes\(\['read:data', 'write:data'\], \{ mode: 'any' \}\)/

describe.each([
  ['express', loose(expressScopes)],
  ['koa', loose(koaScopes)],
])('%s requireScopes', (_name, requireScopes) => {
  it("requireScopes('read:data', 'write:data') throws at startup showing the array call, for all and for any", () => {
    expect(() => requireScopes('read:data', 'write:data')).toThrow(TypeError)
    expect(() => requireScopes('read:data', 'write:data')).toThrow(RIGHT_CALL)
    expect(() => requireScopes('read:data', 'write:data', 'admin')).toThrow(/\['read:data', 'write:data', 'admin'\]/)
    expect(() => requireScopes(['read:data'], 'any')).toThrow(/next argument is options/)
    expect(() => requireScopes(['read:data'], ['write:data'])).toThrow(/scopes go in one array/)
  })

  it('options other than { mode } throw, naming the only option', () => {
    expect(() => requireScopes(['a', 'b'], { any: true })).toThrow(/unknown option "any".*mode/)
    expect(() => requireScopes(['a', 'b'], { mode: 'any', scopes: ['c'] })).toThrow(/unknown option "scopes"/)
    expect(() => requireScopes(['a'], { mode: 'one' })).toThrow(/mode must be 'all' or 'any'/)
    expect(() => requireScopes(['a'], 1)).toThrow(/options, \{ mode/)
    expect(() => requireScopes()).toThrow(/at least one scope is required/)
    expect(() => requireScopes({ scopes: ['a'] })).toThrow(/scope name or an array/)
  })

  it('the right calls still work', () => {
    expect(() => requireScopes(['read:data', 'write:data'])).not.toThrow()
    expect(() => requireScopes(['read:data', 'write:data'], { mode: 'any' })).not.toThrow()
    expect(() => requireScopes('read:data', {})).not.toThrow()
  })
})

describe('bearerAuth call shapes (Express and Koa)', () => {
  it.each([
    ['express', loose(expressAuth)],
    ['koa', loose(koaAuth)],
  ])('%s: a second argument throws instead of being ignored', (_name, bearerAuth) => {
    const guard = createGuard(options())
    expect(() => bearerAuth(guard, { optional: true })).toThrow(/takes one argument.*\{ guard, optional: true \}/)
    expect(() => bearerAuth(options(), { optional: true })).toThrow(/takes one argument/)
    expect(() => bearerAuth()).toThrow(TypeError)
  })
})

describe.each([
  ['express 5', () => express()],
  ['express 4', () => (express4 as unknown as typeof express)()],
])('%s server', (_name, createApp) => {
  it('the array call protects the write route: a read-only token gets 403, never 200', async () => {
    const app = createApp()
    app.use(expressAuth(options()))
    app.post('/data', expressScopes(['read:data', 'write:data']), (_req, res) => {
      res.json({ written: true })
    })
    const server = await listenOn(app.listen(0, '127.0.0.1'))
    try {
      expect((await send(`${server.url}/data`, { method: 'POST', headers: await bearer('read:data') })).status).toBe(403)
      expect((await send(`${server.url}/data`, { method: 'POST', headers: await bearer('read:data write:data') })).status).toBe(200)
    } finally {
      await server.close()
    }
  })

  it('bearerAuth or requireScopes passed uncalled fail closed (500) with a message saying how to call them', async () => {
    const app = createApp()
    const seen: string[] = []
    app.use('/a', loose(expressAuth) as express.RequestHandler)
    app.use('/b', expressAuth(options()), loose(expressScopes) as express.RequestHandler)
    app.use((_req, res) => {
      res.json({ passed: true })
    })
    app.use((err: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      seen.push(err.message)
      res.status(500).end()
    })
    const server = await listenOn(app.listen(0, '127.0.0.1'))
    try {
      expect((await send(`${server.url}/a`, { headers: await bearer('x') })).status).toBe(500)
      expect((await send(`${server.url}/b`, { headers: await bearer('x') })).status).toBe(500)
      expect(seen).toEqual([
        expect.stringMatching(/bearerAuth was used as middleware without being called: write bearerAuth\(\{ issuer, audience \}\)/),
        expect.stringMatching(/requireScopes was used as middleware without being called: write requireScopes\('read:data'\)/),
      ])
    } finally {
      await server.close()
    }
  })
})

describe.each([
  ['koa 3', () => new Koa()],
  ['koa 2', () => new (Koa2 as unknown as typeof Koa)()],
])('%s server', (_name, createApp) => {
  it('the array call protects the write route; uncalled middleware fails closed with the right call in the log', async () => {
    const app = createApp()
    const seen: string[] = []
    app.on('error', (err: Error) => seen.push(err.message))
    app.use(async (ctx, next) => {
      if (ctx.path === '/uncalled-auth') return (loose(koaAuth) as Koa.Middleware)(ctx, next)
      if (ctx.path === '/uncalled-scopes') {
        await koaAuth(options())(ctx, async () => {})
        return (loose(koaScopes) as Koa.Middleware)(ctx, next)
      }
      return next()
    })
    app.use(koaAuth(options()))
    app.use(koaScopes(['read:data', 'write:data']))
    app.use((ctx) => {
      ctx.body = { written: true }
    })
    const server = await listenOn(app.listen(0, '127.0.0.1'))
    try {
      expect((await send(`${server.url}/data`, { method: 'POST', headers: await bearer('read:data') })).status).toBe(403)
      expect((await send(`${server.url}/data`, { method: 'POST', headers: await bearer('read:data write:data') })).status).toBe(200)
      expect((await send(`${server.url}/uncalled-auth`, { headers: await bearer('x') })).status).toBe(500)
      expect((await send(`${server.url}/uncalled-scopes`, { headers: await bearer('x') })).status).toBe(500)
      expect(seen).toEqual([
        'insufficient scope',
        expect.stringMatching(/bearerAuth was used as middleware without being called/),
        expect.stringMatching(/requireScopes was used as middleware without being called/),
      ])
    } finally {
      await server.close()
    }
  })
})

describe('fastify app.requireScopes', () => {
  it("app.requireScopes('read:data', 'write:data') throws showing the array call; the array call answers 403 to a read-only token", async () => {
    const app = Fastify()
    await app.register(fastifyAuth, options())
    const requireScopes = loose(app.requireScopes)
    expect(() => requireScopes('read:data', 'write:data')).toThrow(
      /app\.requireScopes\(\['read:data', 'write:data'\]\).*app\.requireScopes\(\['read:data', 'write:data'\], \{ mode: 'any' \}\)/,
    )
    expect(() => requireScopes(['a'], { mode: 'any', extra: 1 })).toThrow(/unknown option "extra"/)
    app.post('/data', { preHandler: app.requireScopes(['read:data', 'write:data']) }, async () => ({ written: true }))
    expect(() => app.get('/uncalled', { onRequest: app.requireScopes as never }, async () => 'x')).toThrow(
      /route GET \/uncalled: onRequest has app.requireScopes itself; call it/,
    )
    await app.listen({ port: 0, host: '127.0.0.1' })
    try {
      const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/data`
      expect((await send(url, { method: 'POST', headers: await bearer('read:data') })).status).toBe(403)
      expect((await send(url, { method: 'POST', headers: await bearer('read:data write:data') })).status).toBe(200)
    } finally {
      await app.close()
    }
  })

  it('app.register(bearerAuth, guard) works like { guard }; register without options names what is missing', async () => {
    const app = Fastify()
    await app.register(fastifyAuth, createGuard(options()) as never)
    app.get('/me', async (request) => ({ sub: request.auth?.subject }))
    expect((await app.inject({ url: '/me' })).statusCode).toBe(401)
    expect((await app.inject({ url: '/me', headers: await bearer('x') })).json()).toEqual({ sub: 'test-client' })
    await app.close()
    const direct = Fastify()
    await direct.register(fastifyAuth, createGuard(options()))
    await direct.close()
    await expect(Fastify().register(fastifyAuth as never)).rejects.toThrow(
      /options are required: app.register\(bearerAuth, \{ issuer, audience \}\)/,
    )
  })
})

describe('core requireScopes(auth, scopes)', () => {
  it('a missing auth or scopes as separate arguments throw with the right call, not "at least one scope is required"', async () => {
    const auth = await createGuard(options()).verify(await issuer.sign({}, { scope: 'read:data' }))
    const requireScopes = loose(coreRequireScopes)
    expect(() => requireScopes(auth, 'read:data', 'write:data')).toThrow(
      /requireScopes\(auth, \['read:data', 'write:data'\]\).*requireScopes\(auth, \['read:data', 'write:data'\], \{ mode: 'any' \}\)/,
    )
    expect(() => requireScopes('read:data')).toThrow(/first argument is the AuthInfo/)
    // One scope as a string is what the adapters accept too: it works.
    expect(() => requireScopes(auth, 'read:data')).not.toThrow()
    expect(() => requireScopes(auth, 'write:data')).toThrow(expect.objectContaining({ status: 403 }))
    expect(() => requireScopes(auth, ['read:data'], { mode: 'any', x: 1 })).toThrow(/unknown option "x"/)
    // The compiled forms say what shape they want, instead of "at least one scope is required".
    expect(() => compileScopeCheck('read:data' as never)).toThrow(/scopes are an array of names, e.g. \["read:data"\], not a string/)
    expect(() => createGuard(options()).scopeCheck('read:data' as never)).toThrow(/scopes are an array of names/)
  })
})
