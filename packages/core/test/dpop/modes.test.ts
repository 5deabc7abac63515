/**
 * DPoP modes, challenges (RFC 9449 §7.1, §7.2), the verified-token cache with proofs, the 403 on a DPoP
 * request, the request URL's origin settings, and the `dpop` option group's validation.
 */
import { createGuard, requireScopes } from '@bearer-guard/core'
import { createDpopKey, createTestIssuer } from '@bearer-guard/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { rejection } from '../helpers.js'
import { boundRequest, dpopRequest, guardOptions, HOST, URL_BASE } from './support.js'

const as = await createTestIssuer({ alg: 'ES256' })
afterAll(() => as.close())
const key = await createDpopKey('ES256')
const ALGS = 'ES256 EdDSA RS256 RS384 RS512 PS256 PS384 PS512 ES384 ES512 Ed25519'

describe('mode off (no dpop option): today', () => {
  const guard = createGuard(guardOptions(as))

  it('a bound token as Bearer is refused, with a Bearer challenge only', async () => {
    const { token } = await boundRequest(as, key)
    const error = await rejection(guard.authenticate(dpopRequest(token, { scheme: 'Bearer' })))
    expect(error.description).toBe('sender-constrained token sent as bearer')
    expect(error.headers['www-authenticate']).toBe(
      'Bearer error="invalid_token", error_description="sender-constrained token sent as bearer"',
    )
  })

  it('the DPoP scheme is "no bearer credentials"', async () => {
    const { request } = await boundRequest(as, key)
    const error = await rejection(guard.authenticate(request))
    expect(error.status).toBe(401)
    expect(error.headers['www-authenticate']).toBe('Bearer')
  })

  it.each([[false], [{ mode: 'off' as const }]])('dpop: %j is off too', async (dpop) => {
    const off = createGuard(guardOptions(as, { dpop }))
    expect(off.dpopMetadata).toBeUndefined()
    const { token } = await boundRequest(as, key)
    expect((await rejection(off.verify(token))).description).toBe('sender-constrained token sent as bearer')
  })
})

describe('mode allowed', () => {
  const guard = createGuard(guardOptions(as, { dpop: true }))

  it('plain bearer tokens work as before, without auth.dpop', async () => {
    const auth = await guard.authenticate(dpopRequest(await as.sign(), { scheme: 'Bearer' }))
    expect(auth.dpop).toBeUndefined()
  })

  it('a bound token sent as Bearer is refused (RFC 9449 §7.2): Bearer error plus a bare DPoP challenge', async () => {
    const { token } = await boundRequest(as, key)
    const error = await rejection(guard.authenticate(dpopRequest(token, { scheme: 'Bearer' })))
    expect(error.status).toBe(401)
    expect(error.headers['www-authenticate']).toBe(
      `Bearer error="invalid_token", error_description="sender-constrained token sent as bearer", DPoP algs="${ALGS}"`,
    )
    // guard.verify has no request, hence no proof: the same refusal.
    expect((await rejection(guard.verify(token))).description).toBe('sender-constrained token sent as bearer')
  })

  it('an unbound token under the DPoP scheme is refused, even with a valid proof', async () => {
    const token = await as.sign()
    const proof = await key.proof({ method: 'GET', url: `${URL_BASE}/things`, accessToken: token })
    const error = await rejection(guard.authenticate(dpopRequest(token, { proof })))
    expect(error.headers['www-authenticate']).toBe(
      `Bearer, DPoP error="invalid_token", error_description="DPoP scheme used with a token that is not DPoP-bound", algs="${ALGS}"`,
    )
  })

  it('no credentials: both challenges, bare; realm and resource_metadata on both', async () => {
    const withRealm = createGuard(
      guardOptions(as, { dpop: {}, realm: 'api', resourceMetadata: 'https://api.example.test/.well-known/oauth-protected-resource' }),
    )
    const error = await rejection(withRealm.authenticate({ method: 'GET', url: '/', headers: {} }))
    expect(error.headers['www-authenticate']).toBe(
      'Bearer realm="api", resource_metadata="https://api.example.test/.well-known/oauth-protected-resource", ' +
        `DPoP realm="api", resource_metadata="https://api.example.test/.well-known/oauth-protected-resource", algs="${ALGS}"`,
    )
    await expect(withRealm.authenticate({ method: 'GET', url: '/', headers: {} }, { optional: true })).resolves.toBeUndefined()
  })

  it('a token problem under the DPoP scheme is invalid_token on the DPoP challenge', async () => {
    const token = await as.sign({ cnf: { jkt: key.jkt } }, { expiresIn: -60 })
    const proof = await key.proof({ method: 'GET', url: `${URL_BASE}/things`, accessToken: token })
    const error = await rejection(guard.authenticate(dpopRequest(token, { proof })))
    expect(error.headers['www-authenticate']).toBe(`Bearer, DPoP error="invalid_token", error_description="token expired", algs="${ALGS}"`)
  })

  it('a malformed cnf.jkt is refused', async () => {
    const token = await as.sign({ cnf: { jkt: 'short' } })
    expect((await rejection(guard.authenticate(dpopRequest(token, { proof: 'x' })))).description).toBe('invalid cnf claim')
  })

  it('mTLS-bound tokens are still refused (no mTLS support)', async () => {
    const token = await as.sign({ cnf: { 'x5t#S256': 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2' } })
    expect((await rejection(guard.authenticate(dpopRequest(token, { scheme: 'Bearer' })))).description).toBe(
      'sender-constrained token sent as bearer',
    )
  })

  it('403 insufficient_scope on a DPoP request carries a DPoP challenge; on a Bearer request a Bearer one', async () => {
    const check = guard.scopeCheck(['admin'])
    const { request } = await boundRequest(as, key, { claims: { scope: 'read' } })
    const auth = await guard.authenticate(request)
    let error: unknown
    try {
      check(auth)
    } catch (e) {
      error = e
    }
    expect(error).toMatchObject({ status: 403, code: 'insufficient_scope' })
    expect((error as { headers: Record<string, string> }).headers['www-authenticate']).toBe(
      `Bearer, DPoP error="insufficient_scope", error_description="insufficient scope", scope="admin", algs="${ALGS}"`,
    )
    const bearerAuth = await guard.authenticate(dpopRequest(await as.sign({ scope: 'read' }), { scheme: 'Bearer' }))
    expect(() => check(bearerAuth)).toThrow(
      expect.objectContaining({
        headers: {
          'www-authenticate': `Bearer error="insufficient_scope", error_description="insufficient scope", scope="admin", DPoP algs="${ALGS}"`,
        },
      }),
    )
    // The guard-less helper knows no DPoP: it stays Bearer-only, as documented.
    expect(() => requireScopes(auth, ['admin'])).toThrow()
  })

  it('metadata for RFC 9728', () => {
    expect(guard.dpopMetadata).toEqual({ dpop_signing_alg_values_supported: ALGS.split(' '), dpop_bound_access_tokens_required: false })
    expect(Object.isFrozen(guard.dpopMetadata)).toBe(true)
  })
})

describe('mode required', () => {
  const guard = createGuard(guardOptions(as, { dpop: { mode: 'required', algorithms: ['ES256', 'EdDSA'] } }))

  it('any Bearer request is refused with a DPoP challenge only', async () => {
    const error = await rejection(guard.authenticate(dpopRequest(await as.sign(), { scheme: 'Bearer' })))
    expect(error.headers['www-authenticate']).toBe(
      'DPoP error="invalid_token", error_description="DPoP-bound token and proof required", algs="ES256 EdDSA"',
    )
  })

  it('no credentials: a bare DPoP challenge', async () => {
    const error = await rejection(guard.authenticate({ method: 'GET', url: '/', headers: {} }))
    expect(error.headers['www-authenticate']).toBe('DPoP algs="ES256 EdDSA"')
  })

  it('a valid DPoP request passes', async () => {
    const { request } = await boundRequest(as, key)
    await expect(guard.authenticate(request)).resolves.toMatchObject({ dpop: { jkt: key.jkt } })
    expect(guard.dpopMetadata?.dpop_bound_access_tokens_required).toBe(true)
  })
})

describe('the verified-token cache never skips the proof', () => {
  it('a cached bound token still needs a fresh valid proof on every request', async () => {
    const guard = createGuard(guardOptions(as, { dpop: true }))
    const token = await as.sign({ cnf: { jkt: key.jkt } })
    const request = async () =>
      dpopRequest(token, { proof: await key.proof({ method: 'GET', url: `${URL_BASE}/things`, accessToken: token }) })
    await guard.authenticate(await request())
    await guard.authenticate(await request())
    expect(guard.cacheSize).toBe(1)
    // Cached now: a request without proof, with a replayed one, or with another key's is still refused.
    const replayed = await request()
    await guard.authenticate(replayed)
    expect((await rejection(guard.authenticate(replayed))).description).toBe('DPoP proof replayed')
    expect((await rejection(guard.authenticate(dpopRequest(token)))).description).toBe('missing DPoP proof')
    const other = await createDpopKey()
    const foreign = await other.proof({ method: 'GET', url: `${URL_BASE}/things`, accessToken: token })
    expect((await rejection(guard.authenticate(dpopRequest(token, { proof: foreign })))).description).toBe('DPoP key binding mismatch')
    // And sent as Bearer, the cached token is refused.
    expect((await rejection(guard.authenticate(dpopRequest(token, { scheme: 'Bearer' })))).description).toBe(
      'sender-constrained token sent as bearer',
    )
    expect(guard.cacheSize).toBe(1)
  })
})

describe('the request URL (htu) comes from settings, not from client headers unless opted in', () => {
  const proofFor = async (token: string, url: string) => key.proof({ method: 'GET', url, accessToken: token })

  it('default: the connection scheme and Host header (RFC 9110 §7.1)', async () => {
    const guard = createGuard(guardOptions(as, { dpop: true }))
    const token = await as.sign({ cnf: { jkt: key.jkt } })
    await expect(
      guard.authenticate(dpopRequest(token, { secure: true, proof: await proofFor(token, `https://${HOST}/things`) })),
    ).resolves.toBeDefined()
    const spoofed = dpopRequest(token, {
      proof: await proofFor(token, 'https://public.example.test/things'),
      headers: { 'x-forwarded-host': 'public.example.test', 'x-forwarded-proto': 'https' },
    })
    expect((await rejection(guard.authenticate(spoofed))).description).toBe('DPoP proof htu mismatch')
    const noHost = dpopRequest(token, { proof: await proofFor(token, `${URL_BASE}/things`), headers: { host: undefined } })
    expect((await rejection(guard.authenticate(noHost))).description).toBe('DPoP proof htu mismatch')
  })

  it('an absolute-form request target: its path counts, the origin still comes from Host or settings', async () => {
    const guard = createGuard(guardOptions(as, { dpop: true }))
    const token = await as.sign({ cnf: { jkt: key.jkt } })
    const request = dpopRequest(token, { path: `http://evil.test/things?x=1`, proof: await proofFor(token, `${URL_BASE}/things`) })
    await expect(guard.authenticate(request)).resolves.toBeDefined()
  })

  it('origin: only the configured external origin(s) and path prefix count, whatever Host says', async () => {
    const guard = createGuard(guardOptions(as, { dpop: { origin: ['https://api.example.com/v1/', 'https://alt.example.com'] } }))
    const token = await as.sign({ cnf: { jkt: key.jkt } })
    await expect(
      guard.authenticate(dpopRequest(token, { proof: await proofFor(token, 'https://api.example.com/v1/things') })),
    ).resolves.toBeDefined()
    await expect(
      guard.authenticate(dpopRequest(token, { proof: await proofFor(token, 'https://ALT.example.com:443/things') })),
    ).resolves.toBeDefined()
    expect(
      (await rejection(guard.authenticate(dpopRequest(token, { proof: await proofFor(token, `${URL_BASE}/things`) })))).description,
    ).toBe('DPoP proof htu mismatch')
  })

  it('trustProxy: Forwarded, then X-Forwarded-*, first hop only', async () => {
    const guard = createGuard(guardOptions(as, { dpop: { trustProxy: true } }))
    const token = await as.sign({ cnf: { jkt: key.jkt } })
    const viaForwarded = dpopRequest(token, {
      proof: await proofFor(token, 'https://public.example.test/things'),
      headers: { forwarded: 'for=1.2.3.4;proto=https;host="public.example.test", for=5.6.7.8;host=inner' },
    })
    await expect(guard.authenticate(viaForwarded)).resolves.toBeDefined()
    const viaX = dpopRequest(token, {
      proof: await proofFor(token, 'https://public.example.test/things'),
      headers: { 'x-forwarded-host': 'public.example.test, inner', 'x-forwarded-proto': 'https' },
    })
    await expect(guard.authenticate(viaX)).resolves.toBeDefined()
  })
})

describe('dpop options are validated at startup', () => {
  const make = (dpop: unknown) => () => createGuard(guardOptions(as, { dpop: dpop as never }))
  it.each([
    ['a typo', { maxAge: 60 }, '"dpop.maxAge" is not a DPoP option'],
    ['a bad mode', { mode: 'on' }, '"dpop.mode" must be'],
    ['HS256', { algorithms: ['HS256'] }, '"dpop.algorithms" contains "HS256"'],
    ['none', { algorithms: ['none'] }, '"dpop.algorithms" contains "none"'],
    ['no algorithms', { algorithms: [] }, '"dpop.algorithms" must be a non-empty array'],
    ['maxProofAge 0', { maxProofAge: 0 }, '"dpop.maxProofAge" must be a number from 1 to 3600'],
    ['a store without useOnce', { replayStore: { set() {} } }, '"dpop.replayStore" must be an object with a useOnce'],
    ['an origin with a query', { origin: 'https://a.test/?x' }, '"dpop.origin"'],
    ['an origin that is not http', { origin: 'ftp://a.test' }, '"dpop.origin"'],
    ['trustProxy with origin', { origin: 'https://a.test', trustProxy: true }, '"dpop.trustProxy" cannot be combined'],
    ['a short nonce secret', { nonce: { secret: 'short' } }, '"dpop.nonce.secret" must be at least 32 bytes'],
    ['a string', 'required', '"dpop" must be true, false or an object'],
  ])('%s', (_name, dpop, message) => {
    expect(make(dpop)).toThrow(TypeError)
    expect(make(dpop)).toThrow(message)
  })
})

describe('every DPoP refusal carries a structured cause (server side only)', () => {
  it('missing proof, Bearer under required, unbound token as DPoP, replay and key mismatch each name their reason', async () => {
    const allowed = createGuard(guardOptions(as, { dpop: true }))
    const required = createGuard(guardOptions(as, { dpop: { mode: 'required' } }))
    const reasonOf = async (promise: Promise<unknown>) => (await rejection(promise)).cause as { reason: string; detail?: string }

    const { token, request } = await boundRequest(as, key)
    expect(await reasonOf(allowed.authenticate(dpopRequest(token)))).toMatchObject({
      reason: 'dpop_proof_invalid',
      detail: 'missing DPoP proof',
    })
    expect(await reasonOf(required.authenticate(dpopRequest(token, { scheme: 'Bearer' })))).toMatchObject({ reason: 'dpop_required' })

    const unbound = await as.sign()
    expect(await reasonOf(allowed.authenticate(dpopRequest(unbound, { scheme: 'DPoP' })))).toMatchObject({
      reason: 'dpop_token_not_bound',
    })

    await allowed.authenticate(request)
    expect(await reasonOf(allowed.authenticate(request))).toMatchObject({ reason: 'dpop_proof_invalid', detail: 'DPoP proof replayed' })

    const thief = await createDpopKey('ES256')
    const proof = await thief.proof({ method: 'GET', url: `${URL_BASE}/things`, accessToken: token })
    expect(await reasonOf(allowed.authenticate(dpopRequest(token, { proof })))).toMatchObject({ reason: 'dpop_key_mismatch' })
  })
})
