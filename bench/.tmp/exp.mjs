import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const express = require('express')
const autocannon = require('autocannon')
const { createTestIssuer } = await import('@bearer-guard/testing')
const { bearerAuth } = await import('@bearer-guard/express')
const { createGuard } = await import('@bearer-guard/core')
const as = await createTestIssuer()
const token = await as.sign({}, { scope: 'a' })
const guard = createGuard({ issuer: as.issuer, audience: as.audience, jwksUri: as.jwksUri })
await guard.verify(token)
const variants = {
  bare: [],
  asyncNext: [
    (req, res, next) => {
      Promise.resolve().then(() => next())
    },
  ],
  syncNext: [(req, res, next) => next()],
  setProp: [
    (req, res, next) => {
      req.auth = { a: 1 }
      next()
    },
  ],
  bearer: [bearerAuth(guard)],
  symbolSet: [
    (req, res, next) => {
      req[Symbol.for('x')] = guard
      Promise.resolve().then(() => next())
    },
  ],
  readProps: [
    (req, res, next) => {
      const r = { method: req.method, url: req.originalUrl, headers: req.headers, rawHeaders: req.rawHeaders, body: req.body }
      Promise.resolve(r).then(() => next())
    },
  ],
  authOnly: [
    (req, res, next) => {
      guard.authenticate({ method: req.method, url: req.url, headers: req.headers, rawHeaders: req.rawHeaders }).then((a) => {
        req.auth = a
        next()
      }, next)
    },
  ],
}
for (const round of [1, 2, 3])
  for (const [name, mw] of Object.entries(variants)) {
    const app = express()
    app.get('/things', ...mw, (_req, res) => res.json({ ok: true }))
    const server = await new Promise((r) => {
      const s = app.listen(0, '127.0.0.1', () => r(s))
    })
    const url = `http://127.0.0.1:${server.address().port}/things`
    const cpu0 = process.cpuUsage()
    const result = await autocannon({ url, connections: 16, duration: 1.5, headers: { authorization: `Bearer ${token}` } })
    const cpu = process.cpuUsage(cpu0)
    console.log(round, name, Math.round(result.requests.average), 'req/s', 'non2xx', result.non2xx)
    server.close()
  }
await as.close()
