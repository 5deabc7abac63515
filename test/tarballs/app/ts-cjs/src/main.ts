// A TypeScript CommonJS project (module nodenext, no "type": "module"): tsc turns these imports into
// require() calls of the ESM packages. It must compile with the library's types AND run.
import type { AddressInfo } from 'node:net'
import { createGuard } from '@bearer-guard/core'
import { bearerAuth, requireScopes } from '@bearer-guard/express'
import bearerAuthPlugin, { bearerAuth as namedPlugin } from '@bearer-guard/fastify'
import { createTestIssuer } from '@bearer-guard/testing'
import express from 'express'
import Fastify from 'fastify'

async function main(): Promise<void> {
  const issuer = await createTestIssuer()
  const options = { issuer: issuer.issuer, audience: issuer.audience }
  const token = await issuer.sign({ client_id: 'ts-cjs' }, { scope: 'read:reports' })
  const headers = { authorization: `Bearer ${token}` }

  const app = express()
  app.use(bearerAuth({ guard: createGuard(options) }))
  app.get('/reports', requireScopes('read:reports'), (req, res) => {
    res.json({ client: req.auth?.clientId ?? null })
  })
  const server = app.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const withToken = await fetch(`${origin}/reports`, { headers })
  const without = await fetch(`${origin}/reports`)
  server.close()

  const fastify = Fastify()
  await fastify.register(bearerAuthPlugin, options)
  fastify.get('/reports', { config: { auth: { scopes: ['read:reports'] } } }, (req) => ({ client: req.auth?.clientId ?? null }))
  const fastifyOrigin = await fastify.listen({ port: 0, host: '127.0.0.1' })
  const viaFastify = await fetch(`${fastifyOrigin}/reports`, { headers })
  await fastify.close()
  await issuer.close()

  console.log(
    JSON.stringify({
      moduleSystem: typeof require === 'function' && typeof module === 'object' ? 'commonjs' : 'esm',
      express: { ok: withToken.status, body: await withToken.json(), none: without.status },
      fastify: { ok: viaFastify.status, body: await viaFastify.json(), sameExport: bearerAuthPlugin === namedPlugin },
    }),
  )
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
