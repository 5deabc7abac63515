// api.test.mjs — run with: node --test api.test.mjs
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { after, before, test } from 'node:test'
import { BearerError, createGuard, requireScopes } from '@bearer-guard/core'
import { createTestIssuer } from '@bearer-guard/testing'

// The app under test. In your code this is your real app, built with your real config.
function createApp({ issuer, audience }) {
  const guard = createGuard({ issuer, audience })
  return createServer(async (req, res) => {
    try {
      const auth = await guard.authenticate({ method: req.method, url: req.url, headers: req.headers, rawHeaders: req.rawHeaders })
      requireScopes(auth, ['read:reports'])
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ client: auth.clientId }))
    } catch (error) {
      if (!BearerError.is(error)) throw error
      res.writeHead(error.status, error.headers).end()
    }
  })
}

let as
let api
let url

before(async () => {
  as = await createTestIssuer() // issuer, JWKS and discovery on 127.0.0.1
  api = createApp({ issuer: as.issuer, audience: as.audience })
  await new Promise((resolve) => api.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${api.address().port}/reports`
})

after(async () => {
  api.close()
  await as.close()
})

test('a token with the scope gets through', async () => {
  const token = await as.sign({ client_id: 'reporting-job' }, { scope: 'read:reports' })
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } })
  assert.equal(res.status, 200)
  assert.deepEqual(await res.json(), { client: 'reporting-job' })
})

test('no token: 401 with a bare challenge', async () => {
  const res = await fetch(url)
  assert.equal(res.status, 401)
  assert.equal(res.headers.get('www-authenticate'), 'Bearer')
})

test('missing scope: 403 naming the scope', async () => {
  const token = await as.sign({}, { scope: 'write:reports' })
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } })
  assert.equal(res.status, 403)
  assert.match(res.headers.get('www-authenticate'), /error="insufficient_scope".*scope="read:reports"/)
})

test('expired token: 401 invalid_token', async () => {
  const token = await as.sign({}, { scope: 'read:reports', expiresIn: -60 })
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } })
  assert.equal(res.status, 401)
  assert.match(res.headers.get('www-authenticate'), /error="invalid_token", error_description="token expired"/)
})
