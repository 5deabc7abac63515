/**
 * Issue 9, through real Express 4 and 5, Koa 2 and 3 and Fastify servers on 127.0.0.1, written as a user
 * trips: a misspelt option, a query token whose name is percent-encoded, and a rejection whose reason the
 * operator needs but the client must not see.
 */
import { once } from 'node:events'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type AuthInfo, type GuardOptions, isRejectionCause } from '@bearer-guard/core'
import { bearerAuth as expressAuth } from '@bearer-guard/express'
import fastifyAuth from '@bearer-guard/fastify'
import { bearerAuth as koaAuth } from '@bearer-guard/koa'
import { createTestIssuer } from '@bearer-guard/testing'
import express from 'express'
import express4 from 'express4'
import Fastify from 'fastify'
import Koa from 'koa'
import Koa2 from 'koa2'
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { send } from './http.js'

const as = await createTestIssuer()
afterAll(() => as.close())

interface App {
  readonly url: string
  /** Errors the framework saw, server side (Express error middleware, Koa `app.on('error')`, Fastify `onError`). */
  readonly errors: unknown[]
  close(): Promise<void>
}

type Framework = 'express 5' | 'express 4' | 'koa 3' | 'koa 2' | 'fastify'
const FRAMEWORKS: readonly Framework[] = ['express 5', 'express 4', 'koa 3', 'koa 2', 'fastify']

/** What the handler answers: the token the guard accepted, and the `access_token` the framework's own query parser sees. */
const view = (auth: AuthInfo | undefined, query: unknown) => ({
  sub: auth?.subject ?? null,
  frameworkQueryToken: (query as Record<string, unknown>).access_token ?? null,
})

async function listening(server: Server): Promise<string> {
  if (!server.listening) await once(server, 'listening')
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

const closing = (server: Server) => () =>
  new Promise<void>((resolve) => {
    server.closeAllConnections()
    server.close(() => resolve())
  })

/** Each framework as its README wires it, plus the error capture a user would add for logging. */
async function start(framework: Framework, options: Record<string, unknown>): Promise<App> {
  const errors: unknown[] = []
  if (framework === 'express 5' || framework === 'express 4') {
    const app = (framework === 'express 5' ? express : (express4 as unknown as typeof express))()
    app.use(express.urlencoded({ extended: framework === 'express 4' }))
    app.get('/resource', expressAuth(options as unknown as GuardOptions), (req, res) => {
      res.json(view(req.auth, req.query))
    })
    app.post('/resource', expressAuth(options as unknown as GuardOptions), (req, res) => {
      res.json(view(req.auth, req.body))
    })
    app.use((err: unknown, _req: express.Request, _res: express.Response, next: express.NextFunction) => {
      errors.push(err)
      next(err)
    })
    const server = app.listen(0, '127.0.0.1')
    return { url: await listening(server), errors, close: closing(server) }
  }
  if (framework === 'koa 3' || framework === 'koa 2') {
    const app = framework === 'koa 3' ? new Koa() : new (Koa2 as unknown as typeof Koa)()
    app.silent = true
    app.on('error', (err: unknown) => errors.push(err))
    app.use(koaAuth(options as unknown as GuardOptions))
    app.use((ctx) => {
      ctx.body = view(ctx.state.auth, ctx.query)
    })
    const server = app.listen(0, '127.0.0.1')
    return { url: await listening(server), errors, close: closing(server) }
  }
  const app = Fastify({ logger: false })
  app.addHook('onError', async (_request, _reply, error) => {
    errors.push(error)
  })
  await app.register(fastifyAuth, options as unknown as GuardOptions)
  app.get('/resource', async (request) => view(request.auth, request.query))
  await app.listen({ port: 0, host: '127.0.0.1' })
  return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, errors, close: () => app.close() }
}

const base = (): Record<string, unknown> => ({ issuer: as.issuer, audience: as.audience, jwksUri: as.jwksUri })

describe.each(FRAMEWORKS)('%s', (framework) => {
  const apps: App[] = []
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()))
  })
  const startApp = async (options: Record<string, unknown>): Promise<App> => {
    const app = await start(framework, options)
    apps.push(app)
    return app
  }

  describe('a misspelt option fails at startup, naming it', () => {
    it.each([
      ['jwksURI', 'jwksUri'],
      ['audiance', 'audience'],
      ['optinal', 'optional'],
      ['clocktolerance', 'clockTolerance'],
    ])('%s', async (typo, known) => {
      const { jwksUri: _, ...rest } = base()
      const options = typo === 'jwksURI' ? { ...rest, jwksURI: as.jwksUri } : { ...base(), [typo]: typo === 'optinal' ? true : 5 }
      const error = await start(framework, options).then(
        async (app) => {
          await app.close()
          return undefined
        },
        (caught: unknown) => caught,
      )
      expect(error).toBeInstanceOf(TypeError)
      expect((error as Error).message).toMatch(new RegExp(`unknown option "${typo}" \\(did you mean "${known}"\\?\\)$`))
      expect(as.requests.discovery).toBe(0)
    })

    it('a value that would switch a protection off fails too', async () => {
      await expect(start(framework, { ...base(), cooldownDuration: 0 })).rejects.toThrow(/"cooldownDuration" must be a number from 100/)
    })
  })

  describe('query tokens: parameter names are decoded as the framework decodes them', () => {
    let app: App
    let token: string
    beforeEach(async () => {
      app ??= await startApp({ ...base(), tokenLocations: ['header', 'query', 'body'] })
      token ??= await as.sign({ sub: 'query-user' })
      app.errors.length = 0
    })

    it.each(['access%5Ftoken', 'access%5ftoken', '%61ccess_token', 'access_%74oken'])(
      'a valid token in ?%s= is accepted: the framework sees it as access_token too',
      async (name) => {
        const response = await send(`${app.url}/resource?${name}=${token}`)
        expect(response.status, response.text).toBe(200)
        expect(response.json()).toEqual({ sub: 'query-user', frameworkQueryToken: token })
      },
    )

    it('a header token plus ?access%5Ftoken=junk breaks the one-credential rule: 400', async () => {
      const response = await send(`${app.url}/resource?access%5Ftoken=junk`, { headers: { authorization: `Bearer ${token}` } })
      expect(response.status).toBe(400)
      expect(response.headers['www-authenticate']).toBe(
        'Bearer error="invalid_request", error_description="token sent in more than one place"',
      )
    })

    it('access_token and access%5Ftoken together are two access_token parameters: 400', async () => {
      const response = await send(`${app.url}/resource?access_token=${token}&access%5Ftoken=${token}`)
      expect(response.status).toBe(400)
      expect(response.headers['www-authenticate']).toBe(
        'Bearer error="invalid_request", error_description="multiple access_token parameters"',
      )
    })

    it.runIf(framework.startsWith('express'))('form bodies: the body parser decodes names, and so the guard sees them', async () => {
      const form = { 'content-type': 'application/x-www-form-urlencoded' }
      const ok = await send(`${app.url}/resource`, { method: 'POST', headers: form, body: `access%5Ftoken=${token}` })
      expect(ok.status, ok.text).toBe(200)
      expect(ok.json()).toEqual({ sub: 'query-user', frameworkQueryToken: token })
      const twice = await send(`${app.url}/resource`, {
        method: 'POST',
        headers: { ...form, authorization: `Bearer ${token}` },
        body: 'access%5Ftoken=junk',
      })
      expect(twice.status).toBe(400)
      expect(twice.headers['www-authenticate']).toBe(
        'Bearer error="invalid_request", error_description="token sent in more than one place"',
      )
    })

    it("access_token[]= (an array to Express 4's qs) is refused, not ignored: 400", async () => {
      const response = await send(`${app.url}/resource?access_token%5B%5D=${token}`, { headers: { authorization: `Bearer ${token}` } })
      expect(response.status).toBe(400)
    })
  })

  describe('rejections are explained server side only', () => {
    let app: App
    beforeEach(async () => {
      app ??= await startApp(base())
      app.errors.length = 0
    })

    it('wrong issuer (trailing slash): the cause has both values, the response has neither', async () => {
      const actual = `${as.issuer}/`
      const token = await as.sign({ iss: actual })
      const response = await send(`${app.url}/resource`, { headers: { authorization: `Bearer ${token}` } })
      expect(response.status).toBe(401)
      expect(response.headers['www-authenticate']).toBe('Bearer error="invalid_token", error_description="unexpected issuer"')
      expect(response.text).not.toContain(as.issuer)
      expect(response.text).not.toContain('issuer_mismatch')
      expect(JSON.stringify(response.headers)).not.toContain(as.issuer)
      // The Fastify plugin replies itself (no onError); how it logs the cause is the adapters' half of issue 9.
      if (framework === 'fastify') return
      const cause = (app.errors[0] as Error | undefined)?.cause
      expect(isRejectionCause(cause)).toBe(true)
      expect(cause).toMatchObject({ reason: 'issuer_mismatch', expected: [as.issuer], actual, alg: 'RS256', kid: as.kids[0] })
    })

    it('expired: the cause has exp and the clock, the response only its fixed description', async () => {
      const exp = Math.floor(Date.now() / 1000) - 60
      const token = await as.sign({ exp })
      const response = await send(`${app.url}/resource`, { headers: { authorization: `Bearer ${token}` } })
      expect(response.status).toBe(401)
      expect(response.headers['www-authenticate']).toBe('Bearer error="invalid_token", error_description="token expired"')
      expect(response.text).not.toContain(String(exp))
      if (framework === 'fastify') return
      expect((app.errors[0] as Error).cause).toMatchObject({ reason: 'token_expired', exp, clockTolerance: 5 })
    })
  })
})

describe('fastify plugin options', () => {
  it('a misspelt plugin option names the plugin option; register options (prefix, logLevel) pass', async () => {
    const app = Fastify({ logger: false })
    await expect(app.register(fastifyAuth, { ...base(), hok: 'onRequest' } as unknown as GuardOptions)).rejects.toThrow(
      '@bearer-guard/fastify: unknown option "hok" (did you mean "hook"?)',
    )
    const ok = Fastify({ logger: false })
    await ok.register(fastifyAuth, { ...base(), prefix: '/api', logLevel: 'warn' } as unknown as GuardOptions)
    await ok.ready()
    await ok.close()
  })
})
