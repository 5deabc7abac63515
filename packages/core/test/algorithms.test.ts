/**
 * Algorithms and keys (RFC 7518, RFC 8037, RFC 8725 §3.1): every asymmetric family verifies against the
 * test issuer's real JWKS, the allow-list is the only source of truth, HS* works only with `secret`, and
 * the token never chooses the key or the algorithm family.
 */
import {
  createHash,
  createPublicKey,
  createSecretKey,
  generateKeyPairSync,
  type JsonWebKey,
  KeyObject,
  sign as nodeSign,
} from 'node:crypto'
import { type Algorithm, createGuard, type GuardOptions } from '@bearer-guard/core'
import { createTestIssuer, type SigningAlgorithm } from '@bearer-guard/testing'
import { exportJWK, generateKeyPair } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { b64json, expectInvalidToken, signWith, unsigned, validClaims } from './helpers.js'

const ASYMMETRIC: readonly SigningAlgorithm[] = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
]

const as = await createTestIssuer()
afterAll(() => as.close())
const kidOf = new Map<SigningAlgorithm, string>()

beforeAll(async () => {
  kidOf.set('RS256', as.kids[0] as string)
  for (const alg of ASYMMETRIC.slice(1)) kidOf.set(alg, await as.rotate({ alg }))
})

const options = (extra: Partial<GuardOptions> = {}): GuardOptions => ({
  issuer: as.issuer,
  audience: as.audience,
  jwksUri: as.jwksUri,
  ...extra,
})

describe('every asymmetric family', () => {
  it.each(ASYMMETRIC)('%s verifies with the default allow-list', async (alg) => {
    const guard = createGuard(options())
    const token = await as.sign({}, { alg })
    const auth = await guard.verify(token)
    expect(auth.header.alg).toBe(alg)
    expect(auth.header.kid).toBe(kidOf.get(alg))
  })

  it.each(ASYMMETRIC)('%s verifies when it is the only allowed algorithm, and nothing else does', async (alg) => {
    const guard = createGuard(options({ algorithms: [alg] }))
    await expect(guard.verify(await as.sign({}, { alg }))).resolves.toMatchObject({ header: { alg } })
    const other = ASYMMETRIC.find((a) => a !== alg && !(alg.startsWith('Ed') && a.startsWith('Ed'))) as SigningAlgorithm
    await expectInvalidToken(guard.verify(await as.sign({}, { alg: other })), 'algorithm not allowed')
  })

  it.each(ASYMMETRIC)('%s: an altered payload fails the signature check', async (alg) => {
    const guard = createGuard(options())
    const [h, , s] = (await as.sign({}, { alg })).split('.')
    const forged = `${h}.${b64json(validClaims(as.issuer, as.audience))}.${s}`
    await expectInvalidToken(guard.verify(forged), 'invalid signature')
  })

  it('a disallowed algorithm is refused before any key is fetched', async () => {
    as.resetCounts()
    const guard = createGuard(options({ algorithms: ['ES256'] }))
    await expectInvalidToken(guard.verify(await as.sign({}, { alg: 'RS256' })), 'algorithm not allowed')
    expect(as.requests.jwks).toBe(0)
  })
})

describe('the token never chooses the algorithm', () => {
  const guard = createGuard(options())

  it.each(['none', 'None', 'NONE', 'nOnE', ''])('alg %j is refused, with or without a signature', async (alg) => {
    const claims = validClaims(as.issuer, as.audience)
    await expectInvalidToken(guard.verify(unsigned({ alg, typ: 'JWT' }, claims, 'c2ln')), 'algorithm not allowed')
    await expectInvalidToken(guard.verify(unsigned({ alg }, claims)), 'missing signature')
  })

  it('a missing or non-string alg is refused', async () => {
    const claims = validClaims(as.issuer, as.audience)
    await expectInvalidToken(guard.verify(unsigned({ typ: 'JWT' }, claims, 'c2ln')), 'algorithm not allowed')
    await expectInvalidToken(guard.verify(unsigned({ alg: ['RS256'] }, claims, 'c2ln')), 'algorithm not allowed')
  })

  it('HS256 signed with the RSA public key (key confusion) is refused', async () => {
    const kid = kidOf.get('RS256') as string
    const pem = createPublicKey({ key: as.publicJwk(kid) as JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'pem' })
    for (const secret of [Buffer.from(pem), Buffer.from(JSON.stringify(as.publicJwk(kid)))]) {
      const token = await signWith(new Uint8Array(secret), { alg: 'HS256', kid }, validClaims(as.issuer, as.audience))
      await expectInvalidToken(guard.verify(token), 'algorithm not allowed')
    }
  })

  it('an RSA key whose JWK says RS256 does not verify PS256, even with the right private key', async () => {
    const kid = kidOf.get('RS256') as string
    const privateKey = KeyObject.from(as.privateKey(kid))
    const token = await signWith(privateKey, { alg: 'PS256', kid, typ: 'at+jwt' }, validClaims(as.issuer, as.audience))
    await expectInvalidToken(guard.verify(token), 'unknown signing key')
  })

  it('an EC P-256 key does not verify an ES384 token claiming its kid', async () => {
    const kid = kidOf.get('ES256') as string
    const token = await signWith(as.privateKey(kidOf.get('ES384') as string), { alg: 'ES384', kid }, validClaims(as.issuer, as.audience))
    await expectInvalidToken(guard.verify(token), 'unknown signing key')
  })

  it('an ES256 signature in DER instead of R||S is refused (RFC 7518 §3.4)', async () => {
    const kid = kidOf.get('ES256') as string
    const input = `${b64json({ alg: 'ES256', kid })}.${b64json(validClaims(as.issuer, as.audience))}`
    const der = nodeSign('sha256', Buffer.from(input), { key: KeyObject.from(as.privateKey(kid)), dsaEncoding: 'der' })
    const p1363 = nodeSign('sha256', Buffer.from(input), { key: KeyObject.from(as.privateKey(kid)), dsaEncoding: 'ieee-p1363' })
    await expectInvalidToken(guard.verify(`${input}.${der.toString('base64url')}`), 'invalid signature')
    await expect(guard.verify(`${input}.${p1363.toString('base64url')}`)).resolves.toMatchObject({ header: { kid } })
  })

  it('a key in the jwk/jku/x5u header is never used or fetched', async () => {
    const evil = await createTestIssuer({ alg: 'ES256' })
    try {
      const evilKid = evil.kids[0] as string
      const header = { alg: 'ES256', kid: evilKid, jwk: evil.publicJwk(evilKid), jku: evil.jwksUri, x5u: evil.jwksUri }
      const token = await signWith(evil.privateKey(evilKid), header, validClaims(as.issuer, as.audience))
      await expectInvalidToken(createGuard(options()).verify(token), 'unknown signing key')
      // Claiming a real kid with an embedded attacker key: the JWKS key decides, and it does not match.
      const spoof = await signWith(
        evil.privateKey(evilKid),
        { ...header, kid: kidOf.get('ES256') as string },
        validClaims(as.issuer, as.audience),
      )
      await expectInvalidToken(createGuard(options()).verify(spoof), 'invalid signature')
      expect(evil.requests.total).toBe(0)
    } finally {
      await evil.close()
    }
  })

  it('an RSA key shorter than 2048 bits is skipped from the JWKS', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 })
    const short = new Set<string>()
    const onJwksFetch: GuardOptions['onJwksFetch'] = (event) => {
      for (const skip of event.skipped ?? []) short.add(`${String(skip.kid)}: ${skip.reason}`)
    }
    const guard = createGuard(options({ onJwksFetch }))
    as.setExtraKeys([{ ...publicKey.export({ format: 'jwk' }), kid: 'short-rsa', alg: 'RS256' }])
    try {
      const input = `${b64json({ alg: 'RS256', kid: 'short-rsa' })}.${b64json(validClaims(as.issuer, as.audience))}`
      const signature = nodeSign('sha256', Buffer.from(input), privateKey).toString('base64url')
      await expectInvalidToken(guard.verify(`${input}.${signature}`), 'unknown signing key')
      expect([...short]).toEqual(['short-rsa: RSA key shorter than 2048 bits'])
    } finally {
      as.setExtraKeys([])
    }
  })
})

describe('a JWK without alg', () => {
  it('serves every allowed algorithm its kty fits, and no other family', async () => {
    const { privateKey, publicKey } = await generateKeyPair('PS256', { extractable: true })
    const jwk = { ...(await exportJWK(publicKey)), kid: 'no-alg', use: 'sig' }
    as.setExtraKeys([jwk])
    try {
      const guard = createGuard(options())
      const rsaKey = KeyObject.from(privateKey)
      for (const alg of ['RS256', 'PS384'] as const) {
        const token = await signWith(rsaKey, { alg, kid: 'no-alg' }, validClaims(as.issuer, as.audience))
        await expect(guard.verify(token)).resolves.toMatchObject({ header: { alg } })
      }
      const ec = await signWith(
        as.privateKey(kidOf.get('ES256') as string),
        { alg: 'ES256', kid: 'no-alg' },
        validClaims(as.issuer, as.audience),
      )
      await expectInvalidToken(guard.verify(ec), 'unknown signing key')
      // ...and the allow-list still bounds it.
      const rsOnly = createGuard(options({ algorithms: ['RS256'] }))
      const ps = await signWith(rsaKey, { alg: 'PS256', kid: 'no-alg' }, validClaims(as.issuer, as.audience))
      await expectInvalidToken(rsOnly.verify(ps), 'algorithm not allowed')
    } finally {
      as.setExtraKeys([])
    }
  })
})

describe('HS* with a shared secret', () => {
  const secret64 = createHash('sha512').update('bearer-guard test secret').digest()
  const claims = (): Record<string, unknown> => validClaims('https://as.example/', 'https://api.example')
  const secretOptions = (secret: GuardOptions['secret'], algorithms?: Algorithm[]): GuardOptions => ({
    issuer: 'https://as.example/',
    audience: 'https://api.example',
    secret,
    ...(algorithms ? { algorithms } : {}),
  })

  it.each(['HS256', 'HS384', 'HS512'] as const)('%s verifies with a 64-byte secret', async (alg) => {
    const guard = createGuard(secretOptions(secret64))
    const token = await signWith(new Uint8Array(secret64), { alg }, claims())
    await expect(guard.verify(token)).resolves.toMatchObject({ header: { alg }, claims: { sub: 'client-1' } })
  })

  it('accepts the secret as a string, a Uint8Array or a secret KeyObject', async () => {
    const text = 'a'.repeat(32)
    const token = await signWith(new TextEncoder().encode(text), { alg: 'HS256' }, claims())
    for (const secret of [text, new TextEncoder().encode(text), createSecretKey(Buffer.from(text))]) {
      await expect(createGuard(secretOptions(secret)).verify(token)).resolves.toMatchObject({ header: { alg: 'HS256' } })
    }
  })

  it('a wrong secret is an invalid signature', async () => {
    const guard = createGuard(secretOptions(secret64))
    const token = await signWith(new Uint8Array(Buffer.alloc(64, 1)), { alg: 'HS256' }, claims())
    await expectInvalidToken(guard.verify(token), 'invalid signature')
  })

  it('a truncated HMAC is an invalid signature', async () => {
    const guard = createGuard(secretOptions(secret64))
    const token = await signWith(new Uint8Array(secret64), { alg: 'HS256' }, claims())
    await expectInvalidToken(guard.verify(token.slice(0, -10)), 'invalid signature')
  })

  it('a secret guard refuses asymmetric tokens', async () => {
    const guard = createGuard(secretOptions(secret64))
    await expectInvalidToken(
      guard.verify(await as.sign({ iss: 'https://as.example/', aud: 'https://api.example' })),
      'algorithm not allowed',
    )
  })

  it('a 32-byte secret defaults to HS256 only (RFC 7518 §3.2): HS384 is refused, not mis-verified', async () => {
    const secret = secret64.subarray(0, 32)
    const guard = createGuard(secretOptions(new Uint8Array(secret)))
    await expect(guard.verify(await signWith(new Uint8Array(secret), { alg: 'HS256' }, claims()))).resolves.toBeDefined()
    await expectInvalidToken(guard.verify(await signWith(new Uint8Array(secret), { alg: 'HS384' }, claims())), 'algorithm not allowed')
  })

  it('refuses HS* with a JWKS, asymmetric algorithms with a secret, and secrets too short', () => {
    expect(() => createGuard(options({ algorithms: ['HS256'] }))).toThrow(/"algorithms" contains HS256, which needs a secret/)
    expect(() => createGuard(secretOptions(secret64, ['RS256']))).toThrow(
      /"algorithms" contains RS256, but only HS\* can be used with secret/,
    )
    expect(() => createGuard(secretOptions('short'))).toThrow(/"secret" must be at least 32 bytes for HS256/)
    expect(() => createGuard(secretOptions(new Uint8Array(32), ['HS384']))).toThrow(/"secret" must be at least 48 bytes for HS384/)
    expect(() => createGuard(secretOptions(new Uint8Array(48), ['HS512']))).toThrow(/"secret" must be at least 64 bytes for HS512/)
  })
})

describe('JOSE header rules', () => {
  const guard = createGuard(options())
  const claims = validClaims(as.issuer, as.audience)

  it('refuses any crit header (no extension is understood)', async () => {
    await expectInvalidToken(guard.verify(unsigned({ alg: 'RS256', crit: ['exp'], exp: 1 }, claims, 'c2ln')), 'unsupported critical header')
  })

  it('refuses unencoded payloads (b64: false, RFC 7797)', async () => {
    await expectInvalidToken(guard.verify(unsigned({ alg: 'RS256', b64: false }, claims, 'c2ln')), 'unencoded payload not allowed')
  })

  it('refuses a non-string kid', async () => {
    await expectInvalidToken(guard.verify(unsigned({ alg: 'RS256', kid: 7 }, claims, 'c2ln')), 'malformed token')
  })

  it.each([
    ['one segment', 'abc'],
    ['two segments', 'abc.def'],
    ['four segments', 'a.b.c.d'],
    ['not base64url', 'a+b.c/d.e=f'],
    ['header not JSON', `${Buffer.from('{nope').toString('base64url')}.e30.c2ln`],
    ['payload an array', `${b64json({ alg: 'RS256' })}.${b64json([1])}.c2ln`],
    ['header a string', `${b64json('RS256')}.e30.c2ln`],
  ])('malformed JWS (%s): 401 malformed token', async (_name, token) => {
    await expectInvalidToken(guard.verify(token), 'malformed token')
  })

  it('a JWE (five segments) is refused as encrypted', async () => {
    await expectInvalidToken(guard.verify('a.b.c.d.e'), 'encrypted tokens are not supported')
  })

  it('verify() with a non-string is a 401, not a crash', async () => {
    await expectInvalidToken(guard.verify(undefined as unknown as string), 'malformed token')
  })
})
