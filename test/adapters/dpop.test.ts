/**
 * DPoP through real Express, Koa and Fastify servers: each passes method, URL and connection to the core,
 * and renders its challenges (`DPoP ... algs`, both schemes in allowed mode) and `DPoP-Nonce` unaided.
 */
import { createDpopKey, createTestIssuer } from '@bearer-guard/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DPOP_ADAPTERS, type DpopApp } from './dpop-apps.js'
import { send } from './http.js'

const as = await createTestIssuer({ alg: 'ES256' })
afterAll(() => as.close())
const key = await createDpopKey('ES256')
const ALGS = 'algs="ES256 EdDSA"'
const NONCE_SECRET = 'a secret of at least thirty-two bytes, shared by instances'

describe.each(DPOP_ADAPTERS)('$name', (adapter) => {
  let allowed: DpopApp
  let required: DpopApp
  let withNonce: DpopApp
  beforeAll(async () => {
    const base = { issuer: as.issuer, audience: as.audience, jwksUri: as.jwksUri }
    allowed = await adapter.start({ ...base, dpop: { algorithms: ['ES256', 'EdDSA'] } })
    required = await adapter.start({ ...base, dpop: { mode: 'required', algorithms: ['ES256', 'EdDSA'] } })
    withNonce = await adapter.start({ ...base, dpop: { algorithms: ['ES256', 'EdDSA'], nonce: { secret: NONCE_SECRET } } })
  })
  afterAll(async () => {
    await Promise.all([allowed.close(), required.close(), withNonce.close()])
  })

  const call = async (app: DpopApp, path: string, headers: Record<string, string>, method = 'GET') =>
    send(`${app.url}${path}`, { method, headers })

  it('a DPoP-bound token with a valid proof: 200, auth.dpop set', async () => {
    const token = await as.sign({ cnf: { jkt: key.jkt } })
    const response = await call(allowed, '/things?page=2', await key.headers(token, { method: 'GET', url: `${allowed.url}/things` }))
    expect(response.status).toBe(200)
    expect(response.json()).toEqual({ client: 'test-client', jkt: key.jkt })
    const post = await call(allowed, '/things', await key.headers(token, { method: 'POST', url: `${allowed.url}/things` }), 'POST')
    expect(post.status).toBe(200)
  })

  it('replayed proof, other method, other URL, stale proof, other key: refused with a DPoP challenge', async () => {
    const token = await as.sign({ cnf: { jkt: key.jkt } })
    const replay = await key.headers(token, { method: 'GET', url: `${allowed.url}/things` })
    expect((await call(allowed, '/things', replay)).status).toBe(200)
    const cases: Array<[string, Record<string, string>, string, string]> = [
      ['replayed', replay, 'invalid_dpop_proof', 'DPoP proof replayed'],
      [
        'other method',
        await key.headers(token, { method: 'POST', url: `${allowed.url}/things` }),
        'invalid_dpop_proof',
        'DPoP proof htm mismatch',
      ],
      [
        'other URL',
        await key.headers(token, { method: 'GET', url: `${allowed.url}/admin` }),
        'invalid_dpop_proof',
        'DPoP proof htu mismatch',
      ],
      [
        'stale',
        await key.headers(token, { method: 'GET', url: `${allowed.url}/things`, iat: Math.floor(Date.now() / 1000) - 600 }),
        'invalid_dpop_proof',
        'DPoP proof too old',
      ],
      [
        'other key',
        await (await createDpopKey()).headers(token, { method: 'GET', url: `${allowed.url}/things` }),
        'invalid_token',
        'DPoP key binding mismatch',
      ],
    ]
    for (const [name, headers, code, description] of cases) {
      const response = await call(allowed, '/things', headers)
      expect(response.status, name).toBe(401)
      expect(response.headers['www-authenticate'], name).toBe(`Bearer, DPoP error="${code}", error_description="${description}", ${ALGS}`)
    }
  })

  it('the bound token sent as Bearer: 401 invalid_token with Bearer and DPoP challenges', async () => {
    const token = await as.sign({ cnf: { jkt: key.jkt } })
    const response = await call(allowed, '/things', { authorization: `Bearer ${token}` })
    expect(response.status).toBe(401)
    expect(response.headers['www-authenticate']).toBe(
      `Bearer error="invalid_token", error_description="sender-constrained token sent as bearer", DPoP ${ALGS}`,
    )
  })

  it('no token: both challenges in allowed mode, only DPoP in required mode', async () => {
    expect((await call(allowed, '/things', {})).headers['www-authenticate']).toBe(`Bearer, DPoP ${ALGS}`)
    expect((await call(required, '/things', {})).headers['www-authenticate']).toBe(`DPoP ${ALGS}`)
    const bearer = await call(required, '/things', { authorization: `Bearer ${await as.sign()}` })
    expect(bearer.status).toBe(401)
    expect(bearer.headers['www-authenticate']).toMatch(/^DPoP error="invalid_token"/)
  })

  it('a plain bearer token still works in allowed mode', async () => {
    const response = await call(allowed, '/things', { authorization: `Bearer ${await as.sign()}` })
    expect(response.status).toBe(200)
    expect(response.json()).toEqual({ client: 'test-client', jkt: null })
  })

  it('403 insufficient_scope on a DPoP request carries the DPoP challenge', async () => {
    const token = await as.sign({ cnf: { jkt: key.jkt }, scope: 'read' })
    const response = await call(allowed, '/admin', await key.headers(token, { method: 'GET', url: `${allowed.url}/admin` }))
    expect(response.status).toBe(403)
    expect(response.headers['www-authenticate']).toBe(
      `Bearer, DPoP error="insufficient_scope", error_description="insufficient scope", scope="admin", ${ALGS}`,
    )
  })

  it('two DPoP headers: refused', async () => {
    const token = await as.sign({ cnf: { jkt: key.jkt } })
    const { authorization, dpop } = await key.headers(token, { method: 'GET', url: `${allowed.url}/things` })
    const response = await send(`${allowed.url}/things`, { headers: { authorization, dpop: [dpop, dpop] } })
    expect(response.status).toBe(401)
    expect(response.headers['www-authenticate']).toContain('error_description="multiple DPoP proofs"')
  })

  it('server nonce: use_dpop_nonce with a DPoP-Nonce header, then the retry with it passes', async () => {
    const token = await as.sign({ cnf: { jkt: key.jkt } })
    const first = await call(withNonce, '/things', await key.headers(token, { method: 'GET', url: `${withNonce.url}/things` }))
    expect(first.status).toBe(401)
    expect(first.headers['www-authenticate']).toContain('DPoP error="use_dpop_nonce"')
    const nonce = first.headers['dpop-nonce'] as string
    expect(nonce).toBeTruthy()
    const retry = await call(withNonce, '/things', await key.headers(token, { method: 'GET', url: `${withNonce.url}/things`, nonce }))
    expect(retry.status).toBe(200)
  })
})
