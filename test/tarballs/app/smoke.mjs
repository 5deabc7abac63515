// Every framework version the adapters claim (lower bound and latest of each major, installed under npm
// aliases) serving one protected route, against a real JWKS on 127.0.0.1 from the testing kit.
import { createRequire } from 'node:module'
import * as expressAdapter from '@bearer-guard/express'
import fastifyPlugin from '@bearer-guard/fastify'
import * as koaAdapter from '@bearer-guard/koa'
import { createTestIssuer } from '@bearer-guard/testing'

const require = createRequire(import.meta.url)
const issuer = await createTestIssuer()
const options = { issuer: issuer.issuer, audience: issuer.audience }
const good = await issuer.sign({ client_id: 'smoke' }, { scope: 'read:reports' })
const weak = await issuer.sign({ client_id: 'smoke' }, { scope: 'other' })

async function probe(origin) {
  const get = (token) => fetch(`${origin}/reports`, token ? { headers: { authorization: `Bearer ${token}` } } : {})
  const ok = await get(good)
  const none = await get()
  const scope = await get(weak)
  return { ok: ok.status, body: await ok.json(), none: none.status, challenge: none.headers.get('www-authenticate'), scope: scope.status }
}

const listening = (server) => new Promise((resolve) => server.once('listening', () => resolve(`http://127.0.0.1:${server.address().port}`)))

const drivers = {
  async express(name) {
    const express = (await import(name)).default
    const app = express()
    app.use(expressAdapter.bearerAuth(options))
    app.get('/reports', expressAdapter.requireScopes('read:reports'), (req, res) => res.json({ client: req.auth.clientId }))
    const server = app.listen(0, '127.0.0.1')
    return { origin: await listening(server), close: () => server.close() }
  },
  async koa(name) {
    const Koa = (await import(name)).default
    const app = new Koa()
    app.use(koaAdapter.bearerAuth(options))
    app.use(koaAdapter.requireScopes('read:reports'))
    app.use((ctx) => {
      ctx.body = { client: ctx.state.auth.clientId }
    })
    const server = app.listen(0, '127.0.0.1')
    return { origin: await listening(server), close: () => server.close() }
  },
  async fastify(name) {
    const Fastify = (await import(name)).default
    const app = Fastify()
    await app.register(fastifyPlugin, options)
    app.get('/reports', { config: { auth: { scopes: ['read:reports'] } } }, (req) => ({ client: req.auth.clientId }))
    const origin = await app.listen({ port: 0, host: '127.0.0.1' })
    return { origin, close: () => app.close() }
  },
}

const results = {}
for (const [name, framework] of JSON.parse(process.argv[2])) {
  const app = await drivers[framework](name)
  try {
    results[name] = { version: require(`${name}/package.json`).version, ...(await probe(app.origin)) }
  } finally {
    await app.close()
  }
}
await issuer.close()
console.log(JSON.stringify(results))
