/**
 * Issue 9, "a JWKS outage is invisible": through real servers on 127.0.0.1 whose JWKS endpoint is down,
 * each framework shows the outage where its users look, once per incident with its cause, not once per
 * request: Fastify's request logger (pino, captured), Koa's `app.on('error')` and its default stderr
 * listener's rule (`expose`), Express's error handler with `outageNoticeOf(err)`.
 */
import { Writable } from 'node:stream'
import { BearerError, createGuard, OutageNotice, outageNoticeOf } from '@bearer-guard/core'
import { bearerAuth as expressAuth } from '@bearer-guard/express'
import fastifyAuth from '@bearer-guard/fastify'
import { bearerAuth as koaAuth } from '@bearer-guard/koa'
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

let down: TestIssuer
let token: string
beforeAll(async () => {
  down = await createTestIssuer()
  token = await down.sign()
})
afterAll(() => down?.close())

const options = () => guardOptions({ issuer: down.issuer, jwksUri: down.jwksUri, audience: down.audience, realm: undefined })
const REQUESTS = 6

/** `REQUESTS` token-bearing requests, one after the other, while the JWKS endpoint fails. */
async function duringOutage(url: string): Promise<number[]> {
  down.fail('http-500')
  const statuses: number[] = []
  for (let i = 0; i < REQUESTS; i += 1) statuses.push((await send(url, { headers: { authorization: `Bearer ${token}` } })).status)
  return statuses
}

describe('fastify: the request logger', () => {
  it('logs the start of an outage once, at error, with its cause; then its end at info; each 503 is only in "request completed"', async () => {
    const lines: Array<Record<string, unknown>> = []
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(JSON.parse(line))
        done()
      },
    })
    const app = Fastify({ logger: { level: 'info', stream } })
    await app.register(fastifyAuth, options())
    app.get('/me', async (request) => ({ sub: request.auth?.subject }))
    await app.listen({ port: 0, host: '127.0.0.1' })
    try {
      const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/me`
      expect(await duringOutage(url)).toEqual(Array(REQUESTS).fill(503))
      const outageLines = lines.filter((line) => String(line.msg).startsWith('bearer-guard:'))
      expect(outageLines).toHaveLength(1)
      expect(outageLines[0]).toMatchObject({ level: 50, err: { type: 'OutageNotice' } })
      expect(String(outageLines[0]?.msg)).toMatch(/^bearer-guard: signing keys unavailable, answering 503 .*; cause: .+/)
      expect(String(outageLines[0]?.msg)).toMatch(/cause: .*HTTP status 500/)
      expect(
        lines.filter((line) => line.msg === 'request completed' && (line.res as { statusCode?: number })?.statusCode === 503),
      ).toHaveLength(REQUESTS)

      down.fail('ok')
      // The key set backs off (1 s, 2 s, ...) after failed fetches: retry until the keys are back.
      let status = 0
      for (let attempt = 0; attempt < 40 && status !== 200; attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 250))
        status = (await send(url, { headers: { authorization: `Bearer ${token}` } })).status
      }
      expect(status).toBe(200)
      const recovered = lines.filter((line) => String(line.msg).startsWith('bearer-guard: signing keys available again'))
      expect(recovered).toEqual([
        expect.objectContaining({ level: 30, msg: expect.stringMatching(/after [1-9]\d* request\(s\) answered 503/) }),
      ])
    } finally {
      down.fail('ok')
      await app.close()
    }
  })
})

describe('fastify: why a token was refused', () => {
  it('each refusal is logged at debug level with its reason; nothing at info', async () => {
    const lines: Array<Record<string, unknown>> = []
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(JSON.parse(line))
        done()
      },
    })
    const app = Fastify({ logger: { level: 'debug', stream } })
    await app.register(fastifyAuth, options())
    app.get('/me', async () => 'me')
    const expired = await down.sign({}, { expiresIn: -60 })
    expect((await app.inject({ url: '/me', headers: { authorization: `Bearer ${expired}` } })).statusCode).toBe(401)
    expect((await app.inject({ url: '/me', headers: { authorization: 'Basic eDp5' } })).statusCode).toBe(401)
    const refusals = lines.filter((line) => String(line.msg).startsWith('bearer-guard: refused'))
    expect(refusals).toEqual([
      expect.objectContaining({ level: 20, msg: 'bearer-guard: refused 401 invalid_token: token expired', reason: expect.any(String) }),
      expect.objectContaining({ level: 20, msg: 'bearer-guard: refused 401: bearer token required' }),
    ])
    await app.close()
  })
})

describe.each([
  ['koa 3', () => new Koa()],
  ['koa 2', () => new (Koa2 as unknown as typeof Koa)()],
])("%s: app.on('error')", (_name, createApp) => {
  it('gets one unexposed OutageNotice with its cause per incident, beside the exposed 503s that the default listener skips', async () => {
    const app = createApp()
    const seen: Error[] = []
    app.on('error', (err: Error) => seen.push(err))
    app.use(koaAuth(createGuard(options())))
    app.use((ctx) => {
      ctx.body = 'ok'
    })
    const server = await listenOn(app.listen(0, '127.0.0.1'))
    try {
      expect(await duringOutage(server.url)).toEqual(Array(REQUESTS).fill(503))
      const notices = seen.filter((err) => err instanceof OutageNotice)
      expect(notices).toHaveLength(1)
      expect(notices[0]).toMatchObject({ expose: false, status: 503, kind: 'started', level: 'error' })
      expect(notices[0]?.message).toMatch(/cause: .*HTTP status 500/)
      // The per-request 503s are exposed: Koa's default listener (no app.on('error')) prints none of them.
      const failures = seen.filter((err) => BearerError.is(err))
      expect(failures).toHaveLength(REQUESTS)
      expect(failures.every((err) => (err as BearerError).expose)).toBe(true)
      expect(outageNoticeOf(failures[0])).toBe(notices[0])
      expect(failures.slice(1).map(outageNoticeOf)).toEqual(Array(REQUESTS - 1).fill(undefined))
    } finally {
      down.fail('ok')
      await server.close()
    }
  })
})

describe.each([
  ['express 5', () => express()],
  ['express 4', () => (express4 as unknown as typeof express)()],
])("%s: the app's error handler", (_name, createApp) => {
  it('outageNoticeOf(err) is set on the first 503 of an incident only, with its cause: the README handler logs one line', async () => {
    const app = createApp()
    const logged: string[] = []
    app.use(expressAuth(options()))
    app.get('/', (_req, res) => {
      res.send('ok')
    })
    // The README's error handler.
    app.use((err: unknown, _req: express.Request, res: express.Response, next: express.NextFunction) => {
      if (!BearerError.is(err)) return next(err)
      const outage = outageNoticeOf(err)
      if (outage !== undefined) logged.push(outage.message)
      res.status(err.status).set(err.headers).json(err)
    })
    const server = await listenOn(app.listen(0, '127.0.0.1'))
    try {
      expect(await duringOutage(`${server.url}/`)).toEqual(Array(REQUESTS).fill(503))
      expect(logged).toEqual([expect.stringMatching(/^bearer-guard: signing keys unavailable, answering 503 .*; cause: .+/)])
      expect(logged[0]).toMatch(/cause: .*HTTP status 500/)
    } finally {
      down.fail('ok')
      await server.close()
    }
  })
})
