/**
 * One benchmark server: one framework, one auth contender, one route (`GET /things`, answering
 * `{"ok":true}`), in its own process so contenders never share a heap or an event loop. Started by
 * `lib/http.mjs` with the issuer in BENCH_SERVER; reports its port over IPC.
 *
 * Each peer is configured as its documentation advises, plus the issuer and audience checks bearer-guard
 * always makes, so every contender does the same job.
 */
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const { framework, contender, issuer, audience, jwksUri } = JSON.parse(process.env.BENCH_SERVER)
const body = { ok: true }

const EXPRESS = {
  bare: () => [],
  'bearer-guard': async () => {
    const { bearerAuth } = await import('@bearer-guard/express')
    return [bearerAuth({ issuer, audience, jwksUri })]
  },
  'express-oauth2-jwt-bearer': () => {
    const { auth } = require('express-oauth2-jwt-bearer')
    // The README's setup: discovery from the issuer, then jose with a remote JWKS.
    return [auth({ issuerBaseURL: issuer, audience, tokenSigningAlg: 'RS256' })]
  },
  'express-jwt': () => {
    const { expressjwt } = require('express-jwt')
    const { expressJwtSecret } = require('jwks-rsa')
    return [
      expressjwt({
        secret: expressJwtSecret({ cache: true, rateLimit: true, jwksRequestsPerMinute: 5, jwksUri }),
        audience,
        issuer,
        algorithms: ['RS256'],
      }),
    ]
  },
}

const KOA = {
  bare: () => [],
  'bearer-guard': async () => {
    const { bearerAuth } = await import('@bearer-guard/koa')
    return [bearerAuth({ issuer, audience, jwksUri })]
  },
  'koa-jwt': () => {
    const jwt = require('koa-jwt')
    const { koaJwtSecret } = require('jwks-rsa')
    return [
      jwt({
        secret: koaJwtSecret({ jwksUri, cache: true, cacheMaxEntries: 5, cacheMaxAge: 36_000_000 }),
        audience,
        issuer,
        algorithms: ['RS256'],
      }),
    ]
  },
}

const FASTIFY = {
  bare: async () => {},
  'bearer-guard': async (app) => {
    const { default: bearerAuth } = await import('@bearer-guard/fastify')
    await app.register(bearerAuth, { issuer, audience, jwksUri })
  },
  '@fastify/jwt': async (app) => {
    const fjwt = require('@fastify/jwt')
    const buildGetJwks = require('get-jwks')
    // The README's JWKS recipe, with the issuer allow-list get-jwks needs to be safe and the claims checks.
    const getJwks = buildGetJwks({ issuersWhitelist: [issuer], jwksPath: new URL(jwksUri).pathname })
    await app.register(fjwt, {
      decode: { complete: true },
      secret: (_request, token) => {
        const {
          header: { kid, alg },
          payload: { iss },
        } = token
        return getJwks.getPublicKey({ kid, domain: iss, alg })
      },
      verify: { allowedIss: issuer, allowedAud: audience, algorithms: ['RS256'] },
    })
    app.addHook('onRequest', async (request, reply) => {
      try {
        await request.jwtVerify()
      } catch (err) {
        reply.send(err)
      }
    })
  },
}

async function startExpress() {
  const express = require('express')
  const app = express()
  const middleware = await EXPRESS[contender]()
  app.get('/things', ...middleware, (_req, res) => {
    res.json(body)
  })
  // Every Express app needs one: the default handler logs each 401's stack to stderr. Same for all contenders.
  app.use((err, _req, res, _next) => {
    res
      .status(err.status ?? 500)
      .set(err.headers ?? {})
      .json({ error: err.code ?? 'error' })
  })
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server.address().port))
  })
}

async function startKoa() {
  const Koa = require('koa')
  const app = new Koa()
  for (const middleware of await KOA[contender]()) app.use(middleware)
  app.use((ctx) => {
    ctx.body = body
  })
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server.address().port))
  })
}

async function startFastify() {
  const Fastify = require('fastify')
  const app = Fastify({ logger: false })
  await FASTIFY[contender](app)
  app.get('/things', async () => body)
  await app.listen({ port: 0, host: '127.0.0.1' })
  return app.server.address().port
}

const start = { express: startExpress, koa: startKoa, fastify: startFastify }[framework]
const port = await start()
process.send({ port })
// The bench reads this process's CPU time around each run: CPU per request is what the middleware costs,
// independent of how busy the rest of the machine is.
process.on('message', (message) => {
  if (message === 'cpu') process.send({ cpu: process.cpuUsage() })
})
process.on('disconnect', () => process.exit(0))
