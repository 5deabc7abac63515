// A TypeScript ESM project (module nodenext, "type": "module"): top-level await, default and named imports.
import type { AddressInfo } from 'node:net'
import { BearerError, createGuard, requireScopes } from '@bearer-guard/core'
import { bearerAuth, requireScopes as koaRequireScopes } from '@bearer-guard/koa'
import { createTestIssuer } from '@bearer-guard/testing'
import Koa from 'koa'

const issuer = await createTestIssuer()
const token = await issuer.sign({ client_id: 'ts-esm' }, { scope: 'read:reports' })

const guard = createGuard({ issuer: issuer.issuer, audience: issuer.audience })
const auth = await guard.authenticate({ method: 'GET', url: '/', headers: { authorization: `Bearer ${token}` } })
requireScopes(auth, ['read:reports'])
let denied: number | undefined
try {
  requireScopes(auth, ['write:reports'])
} catch (error) {
  if (BearerError.is(error)) denied = error.status
}

const app = new Koa()
app.use(bearerAuth({ guard }))
app.use(koaRequireScopes('read:reports'))
app.use((ctx) => {
  ctx.body = { client: ctx.state.auth?.clientId ?? null }
})
const server = app.listen(0, '127.0.0.1')
await new Promise((resolve) => server.once('listening', resolve))
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
const withToken = await fetch(`${origin}/`, { headers: { authorization: `Bearer ${token}` } })
const without = await fetch(`${origin}/`)
server.close()
await issuer.close()

console.log(
  JSON.stringify({
    moduleSystem: typeof require === 'function' ? 'commonjs' : 'esm',
    core: { client: auth.clientId, denied },
    koa: { ok: withToken.status, body: await withToken.json(), none: without.status },
  }),
)
