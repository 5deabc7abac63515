// The @bearer-guard/testing README example, as a Jest ESM test file (globals `test`, `expect`, `beforeAll`).
import { createServer } from 'node:http'
import { BearerError, createGuard, requireScopes } from '@bearer-guard/core'
import { createTestIssuer } from '@bearer-guard/testing'

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

beforeAll(async () => {
  as = await createTestIssuer()
  api = createApp({ issuer: as.issuer, audience: as.audience })
  await new Promise((resolve) => api.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${api.address().port}/reports`
})

afterAll(async () => {
  api.close()
  await as.close()
})

test('a token with the scope gets through', async () => {
  const token = await as.sign({ client_id: 'reporting-job' }, { scope: 'read:reports' })
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } })
  expect(res.status).toBe(200)
  expect(await res.json()).toEqual({ client: 'reporting-job' })
})

test('no token: 401 with a bare challenge', async () => {
  const res = await fetch(url)
  expect(res.status).toBe(401)
  expect(res.headers.get('www-authenticate')).toBe('Bearer')
})

test('missing scope: 403 naming the scope', async () => {
  const token = await as.sign({}, { scope: 'write:reports' })
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } })
  expect(res.status).toBe(403)
  expect(res.headers.get('www-authenticate')).toMatch(/error="insufficient_scope".*scope="read:reports"/)
})

test('expired token: 401 invalid_token', async () => {
  const token = await as.sign({}, { scope: 'read:reports', expiresIn: -60 })
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } })
  expect(res.status).toBe(401)
  expect(res.headers.get('www-authenticate')).toMatch(/error="invalid_token", error_description="token expired"/)
})
