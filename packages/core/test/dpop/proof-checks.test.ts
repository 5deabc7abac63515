/**
 * RFC 9449 §4.3 / §7: one test per proof check, through `guard.authenticate` as every adapter calls it.
 * Proofs are signed by real keys (jose); bad ones are built by overriding one member at a time.
 */
import { createHash, generateKeyPairSync } from 'node:crypto'
import { createGuard, jwkThumbprint } from '@bearer-guard/core'
import { createDpopKey, createTestIssuer } from '@bearer-guard/testing'
import { exportJWK, generateKeyPair } from 'jose'
import { afterAll, describe, expect, it } from 'vitest'
import { b64json, rejection } from '../helpers.js'
import { boundRequest, dpopRequest, guardOptions, HOST, rawProof, URL_BASE } from './support.js'

const as = await createTestIssuer({ alg: 'ES256' })
afterAll(() => as.close())
const key = await createDpopKey('ES256')
const guard = createGuard(guardOptions(as, { dpop: { mode: 'allowed' } }))
const ALGS = 'ES256 EdDSA RS256 RS384 RS512 PS256 PS384 PS512 ES384 ES512 Ed25519'

const now = (): number => Math.floor(Date.now() / 1000)
const ath = (token: string): string => createHash('sha256').update(token).digest('base64url')

async function expectProofError(promise: Promise<unknown>, description: string, code = 'invalid_dpop_proof'): Promise<void> {
  const error = await rejection(promise)
  expect({ status: error.status, code: error.code, description: error.description }).toEqual({ status: 401, code, description })
  expect(error.headers['www-authenticate']).toBe(`Bearer, DPoP error="${code}", error_description="${description}", algs="${ALGS}"`)
}

describe('a valid proof', () => {
  it.each(['ES256', 'EdDSA', 'Ed25519', 'ES384', 'PS256', 'RS256'] as const)('%s: accepted, auth.dpop names the key', async (alg) => {
    const clientKey = await createDpopKey(alg)
    const { request } = await boundRequest(as, clientKey)
    const auth = await guard.authenticate(request)
    expect(auth.dpop).toEqual({ jkt: clientKey.jkt })
    expect(Object.isFrozen(auth.dpop)).toBe(true)
  })

  it('the DPoP scheme is case-insensitive', async () => {
    const { token } = await boundRequest(as, key)
    const proof = await key.proof({ method: 'GET', url: `${URL_BASE}/things`, accessToken: token })
    await expect(guard.authenticate(dpopRequest(token, { scheme: 'dpop', proof }))).resolves.toMatchObject({ dpop: { jkt: key.jkt } })
  })

  it('htu is compared after RFC 3986 normalisation, without query and fragment', async () => {
    const token = await as.sign({ cnf: { jkt: key.jkt } })
    const cases: Array<[string, string]> = [
      ['HTTP://API.EXAMPLE.TEST:80/things', '/things'],
      [`${URL_BASE}/a/./b/../things`, '/a/things'],
      [`${URL_BASE}/%7euser/x%2fy`, '/~user/x%2Fy'],
      [`${URL_BASE}/things?x=1#frag`, '/things?y=2'],
      [`${URL_BASE}`, '/'],
    ]
    for (const [htu, path] of cases) {
      const proof = await key.proof({ method: 'GET', url: 'http://placeholder.test/', accessToken: token, claims: { htu } })
      await expect(guard.authenticate(dpopRequest(token, { path, proof })), htu).resolves.toBeDefined()
    }
  })
})

describe('refused proofs, one per RFC 9449 §4.3 check', () => {
  const bad = async (
    override: { claims?: Record<string, unknown>; header?: Record<string, unknown>; method?: string; url?: string; iat?: number },
    request: { method?: string; path?: string } = {},
  ) => {
    const token = await as.sign({ cnf: { jkt: key.jkt } })
    const proof = await key.proof({
      method: override.method ?? 'GET',
      url: override.url ?? `${URL_BASE}/things`,
      accessToken: token,
      ...(override.iat === undefined ? {} : { iat: override.iat }),
      ...(override.claims === undefined ? {} : { claims: override.claims }),
      ...(override.header === undefined ? {} : { header: override.header }),
    })
    return guard.authenticate(dpopRequest(token, { ...request, proof }))
  }

  it('no DPoP header', async () => {
    const token = await as.sign({ cnf: { jkt: key.jkt } })
    await expectProofError(guard.authenticate(dpopRequest(token)), 'missing DPoP proof')
  })

  it('two DPoP headers', async () => {
    const token = await as.sign({ cnf: { jkt: key.jkt } })
    const proof = await key.proof({ method: 'GET', url: `${URL_BASE}/things`, accessToken: token })
    await expectProofError(guard.authenticate(dpopRequest(token, { proof: [proof, proof] })), 'multiple DPoP proofs')
  })

  it('an oversized header is refused before parsing', async () => {
    const token = await as.sign({ cnf: { jkt: key.jkt } })
    await expectProofError(guard.authenticate(dpopRequest(token, { proof: 'a'.repeat(9000) })), 'DPoP proof too large')
  })

  it.each([
    ['not a JWS', 'garbage'],
    ['JWE-shaped', 'a.b.c.d.e'],
    ['non-JSON header', 'bm90IGpzb24.e30.AAAA'],
  ])('malformed: %s', async (_name, proof) => {
    const token = await as.sign({ cnf: { jkt: key.jkt } })
    await expectProofError(guard.authenticate(dpopRequest(token, { proof })), 'malformed DPoP proof')
  })

  it.each([['JWT'], ['at+jwt'], [undefined]])('typ %s', async (typ) => {
    await expectProofError(bad({ header: { typ } }), 'DPoP proof type must be dpop+jwt')
  })

  it('alg none, HS256 and algorithms outside the allow-list', async () => {
    const token = await as.sign({ cnf: { jkt: key.jkt } })
    const payload = { jti: 'x', htm: 'GET', htu: `${URL_BASE}/things`, iat: now(), ath: ath(token) }
    for (const alg of ['none', 'HS256']) {
      const proof = `${b64json({ typ: 'dpop+jwt', alg, jwk: key.publicJwk })}.${b64json(payload)}.AAAA`
      await expectProofError(guard.authenticate(dpopRequest(token, { proof })), 'DPoP proof algorithm not allowed')
    }
    const strict = createGuard(guardOptions(as, { dpop: { algorithms: ['EdDSA'] } }))
    const proof = await key.proof({ method: 'GET', url: `${URL_BASE}/things`, accessToken: token })
    const error = await rejection(strict.authenticate(dpopRequest(token, { proof })))
    expect(error.description).toBe('DPoP proof algorithm not allowed')
    expect(error.headers['www-authenticate']).toContain('algs="EdDSA"')
  })

  it('crit header', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const jwk = publicKey.export({ format: 'jwk' })
    const token = await as.sign({ cnf: { jkt: jwkThumbprint(jwk as Record<string, unknown>) as string } })
    const payload = { jti: 'c', htm: 'GET', htu: `${URL_BASE}/things`, iat: now(), ath: ath(token) }
    const proof = rawProof(privateKey, { alg: 'ES256', typ: 'dpop+jwt', jwk, crit: ['exp'], exp: 1 }, payload)
    await expectProofError(guard.authenticate(dpopRequest(token, { proof })), 'unsupported DPoP proof header')
    // The same proof without crit passes: the refusal is the crit header's.
    const clean = rawProof(privateKey, { alg: 'ES256', typ: 'dpop+jwt', jwk }, payload)
    await expect(guard.authenticate(dpopRequest(token, { proof: clean }))).resolves.toBeDefined()
  })

  it('no jwk header', async () => {
    await expectProofError(bad({ header: { jwk: undefined } }), 'DPoP proof has no public key')
  })

  it('a jwk with private members', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true })
    const privateJwk = await exportJWK(privateKey)
    await expectProofError(bad({ header: { jwk: privateJwk } }), 'DPoP proof key is not public')
  })

  it('a jwk of another key type than alg', async () => {
    const ed = await createDpopKey('EdDSA')
    await expectProofError(bad({ header: { jwk: ed.publicJwk } }), 'DPoP proof key does not fit its algorithm')
  })

  it('a signature by another key than the jwk header (the token bound to the header key)', async () => {
    const other = await createDpopKey('ES256')
    const token = await as.sign({ cnf: { jkt: key.jkt } })
    // Signed by `other`, but naming `key` in its header: the signature cannot verify.
    const proof = await other.proof({ method: 'GET', url: `${URL_BASE}/things`, accessToken: token, header: { jwk: key.publicJwk } })
    await expectProofError(guard.authenticate(dpopRequest(token, { proof })), 'invalid DPoP proof signature')
  })

  it('a tampered payload', async () => {
    const { request } = await boundRequest(as, key)
    const proof = request.headers.dpop as string
    const [h, , s] = proof.split('.')
    const forged = `${h}.${b64json({ jti: 'x', htm: 'GET', htu: `${URL_BASE}/things`, iat: now(), ath: ath((request.headers.authorization as string).slice(5)) })}.${s}`
    await expectProofError(
      guard.authenticate({ ...request, headers: { ...request.headers, dpop: forged }, rawHeaders: [] }),
      'invalid DPoP proof signature',
    )
  })

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['not a string', 7],
    ['too long', 'j'.repeat(257)],
  ])('jti %s', async (_name, jti) => {
    await expectProofError(bad({ claims: { jti } }), 'invalid DPoP proof jti')
  })

  it('htm of another method', async () => {
    await expectProofError(bad({ method: 'POST' }), 'DPoP proof htm mismatch')
    await expectProofError(bad({ method: 'get' }), 'DPoP proof htm mismatch')
  })

  it.each([
    ['another path', `${URL_BASE}/other`],
    ['another host', 'http://evil.test/things'],
    ['another scheme', `https://${HOST}/things`],
    ['another port', `http://${HOST}:8080/things`],
    ['not a URL', 'not a url'],
    ['not http', `ftp://${HOST}/things`],
    ['userinfo', `http://user@${HOST}/things`],
  ])('htu: %s', async (_name, htu) => {
    await expectProofError(bad({ claims: { htu } }), 'DPoP proof htu mismatch')
  })

  it('iat too old, in the future, or not a number', async () => {
    await expectProofError(bad({ iat: now() - 66 }), 'DPoP proof too old')
    await expectProofError(bad({ iat: now() + 30 }), 'DPoP proof issued in the future')
    await expectProofError(bad({ claims: { iat: '1' } }), 'invalid DPoP proof iat')
  })

  it('iat within the window and the clock tolerance passes', async () => {
    await expect(bad({ iat: now() - 60 })).resolves.toBeDefined()
    await expect(bad({ iat: now() + 4 })).resolves.toBeDefined()
  })

  it('ath missing or for another token', async () => {
    await expectProofError(bad({ claims: { ath: undefined } }), 'DPoP proof ath mismatch')
    await expectProofError(bad({ claims: { ath: ath('another token') } }), 'DPoP proof ath mismatch')
  })

  it('a proof by another key than the token is bound to: invalid_token (RFC 9449 §7.1 example)', async () => {
    const other = await createDpopKey('ES256')
    const token = await as.sign({ cnf: { jkt: key.jkt } })
    const proof = await other.proof({ method: 'GET', url: `${URL_BASE}/things`, accessToken: token })
    await expectProofError(guard.authenticate(dpopRequest(token, { proof })), 'DPoP key binding mismatch', 'invalid_token')
  })

  it('a replayed proof', async () => {
    const { request } = await boundRequest(as, key)
    await guard.authenticate(request)
    await expectProofError(guard.authenticate(request), 'DPoP proof replayed')
  })

  it('an RSA proof key under 2048 bits', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 })
    const jwk = publicKey.export({ format: 'jwk' })
    const token = await as.sign({ cnf: { jkt: jwkThumbprint(jwk as Record<string, unknown>) as string } })
    const proof = rawProof(
      privateKey,
      { alg: 'RS256', typ: 'dpop+jwt', jwk },
      { jti: 'r', htm: 'GET', htu: `${URL_BASE}/things`, iat: now(), ath: ath(token) },
    )
    await expectProofError(guard.authenticate(dpopRequest(token, { proof })), 'invalid DPoP proof key')
  })
})
