/**
 * Hostile or broken JWKS content, served by the testing kit's real issuer: every bad entry is skipped (never
 * usable, never fatal to the set), good keys keep working, and what the guard accepts jose's local JWKS
 * verifier accepts too. A JWKS with no usable key at all is an upstream failure (503), not a 401.
 */
import { generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto'
import { createGuard, type KeySetFetchEvent } from '@bearer-guard/core'
import type { JSONWebKeySet, JWK } from 'jose'
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { ALG_NOT_ALLOWED, BAD_SIGNATURE, type Rejection, UNKNOWN_KEY, type Verdict } from './corpus.js'
import { b64u, type SignAlg } from './support/jws.js'
import { createReference } from './support/reference.js'
import { expectVerdict } from './support/verdict.js'
import { bearer, createWorld, outcome } from './support/world.js'

const world = await createWorld()
afterAll(() => world.close())
/** The world's own extras (a key without alg, an RSA-1024 key) stay in every JWKS below. */
const baseline = [world.noAlgRsa.jwk, world.weakRsa.jwk]
const serve = (entries: readonly unknown[]): void => world.issuer.setExtraKeys([...baseline, ...entries])
beforeEach(() => serve([]))

const rsa = (): { key: KeyObject; jwk: JWK } => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  return { key: privateKey, jwk: publicKey.export({ format: 'jwk' }) as JWK }
}
const spare = rsa()
const second = rsa()

interface ContentCase {
  readonly id: string
  readonly entries: readonly unknown[]
  readonly token: string
  readonly expect: Verdict
  /** Entries (by kid) the guard must report as skipped through onJwksFetch, with the reason when it is telling. */
  readonly skipped?: Readonly<Record<string, string | true>>
}

const secret = randomBytes(32)
const cases: ContentCase[] = [
  {
    id: 'oct key: HS256 token keyed with its k',
    entries: [{ kty: 'oct', k: b64u(secret), kid: 'oct-1', alg: 'HS256' }],
    token: world.token({ header: { alg: 'HS256', kid: 'oct-1' }, signAlg: 'HS256', signKey: secret }),
    expect: ALG_NOT_ALLOWED,
    skipped: { 'oct-1': 'symmetric keys are never taken from a JWKS' },
  },
  {
    id: 'oct key: RS256 header naming it',
    entries: [{ kty: 'oct', k: b64u(secret), kid: 'oct-1' }],
    token: world.token({ header: { kid: 'oct-1' } }),
    expect: UNKNOWN_KEY,
    skipped: { 'oct-1': 'symmetric keys are never taken from a JWKS' },
  },
  {
    id: 'private RSA key published by mistake',
    entries: [{ ...(spare.key.export({ format: 'jwk' }) as JWK), kid: 'leaked', alg: 'RS256' }],
    token: world.token({ header: { kid: 'leaked' }, signKey: spare.key }),
    expect: UNKNOWN_KEY,
    skipped: { leaked: 'contains private key members' },
  },
  {
    id: 'use enc',
    entries: [{ ...spare.jwk, kid: 'enc-1', use: 'enc' }],
    token: world.token({ header: { kid: 'enc-1' }, signKey: spare.key }),
    expect: UNKNOWN_KEY,
    skipped: { 'enc-1': 'use is not sig' },
  },
  {
    id: 'key_ops without verify',
    entries: [{ ...spare.jwk, kid: 'ops-1', key_ops: ['encrypt'] }],
    token: world.token({ header: { kid: 'ops-1' }, signKey: spare.key }),
    expect: UNKNOWN_KEY,
    skipped: { 'ops-1': 'key_ops lacks verify' },
  },
  {
    id: 'key_ops verify (usable)',
    entries: [{ ...spare.jwk, kid: 'ops-2', key_ops: ['verify'] }],
    token: world.token({ header: { kid: 'ops-2' }, signKey: spare.key }),
    expect: 'accept',
  },
  {
    id: 'JWK alg RS512, token RS256',
    entries: [{ ...spare.jwk, kid: 'rs512', alg: 'RS512' }],
    token: world.token({ header: { kid: 'rs512' }, signKey: spare.key }),
    expect: UNKNOWN_KEY,
  },
  {
    id: 'RSA key labelled ES256',
    entries: [{ ...spare.jwk, kid: 'mislabelled', alg: 'ES256' }],
    token: world.token({ header: { kid: 'mislabelled' }, signKey: spare.key }),
    expect: UNKNOWN_KEY,
    skipped: { mislabelled: 'no allowed algorithm fits the key' },
  },
  {
    id: 'RSA key labelled HS256',
    entries: [{ ...spare.jwk, kid: 'mislabelled-hs', alg: 'HS256' }],
    token: world.token({
      header: { alg: 'HS256', kid: 'mislabelled-hs' },
      signAlg: 'HS256',
      signKey: Buffer.from(JSON.stringify(spare.jwk)),
    }),
    expect: ALG_NOT_ALLOWED,
    skipped: { 'mislabelled-hs': 'no allowed algorithm fits the key' },
  },
  {
    id: 'duplicate kid: the second key signed',
    entries: [
      { ...spare.jwk, kid: 'dup', alg: 'RS256' },
      { ...second.jwk, kid: 'dup', alg: 'RS256' },
    ],
    token: world.token({ header: { kid: 'dup' }, signKey: second.key }),
    expect: 'accept',
  },
  {
    id: "duplicate kid, the issuer's kid reused by a second key: an attacker key still fails",
    entries: [{ ...second.jwk, kid: world.keys.RS256.kid, alg: 'RS256' }],
    token: world.token({ signKey: world.attackerRsa.key }),
    expect: BAD_SIGNATURE,
  },
  {
    id: 'malformed members are skipped, good keys still work',
    entries: [
      null,
      'a string',
      42,
      [],
      {},
      { kty: 'FOO', kid: 'foo' },
      { kty: 'RSA', kid: 'bad-n', n: 'not base64!!', e: 'AQAB' },
      { kty: 'RSA', kid: 'n-number', n: 123, e: 'AQAB' },
      { kty: 'RSA', kid: 7, n: spare.jwk.n, e: spare.jwk.e },
      { kty: 'RSA', kid: 'alg-number', n: spare.jwk.n, e: spare.jwk.e, alg: 256 },
      { kty: 'EC', crv: 'P-256', kid: 'bad-ec', x: 'AAAA', y: 'AAAA' },
      { kty: 'EC', crv: 'P-256', kid: 'off-curve', x: b64u(Buffer.alloc(32, 1)), y: b64u(Buffer.alloc(32, 2)) },
      { kty: 'OKP', crv: 'X25519', kid: 'x25519', x: b64u(Buffer.alloc(32, 9)) },
      { kty: 'OKP', crv: 'Ed448', kid: 'ed448', x: b64u(Buffer.alloc(57, 9)) },
    ],
    token: world.token(),
    expect: 'accept',
    skipped: {
      foo: true,
      'bad-n': true,
      'n-number': 'n is not a string',
      'alg-number': 'alg is not a string',
      'bad-ec': true,
      'off-curve': true,
      x25519: true,
      ed448: true,
    },
  },
  {
    id: 'a kid that only names a malformed member',
    entries: [{ kty: 'RSA', kid: 'bad-n', n: 'not base64!!', e: 'AQAB' }],
    token: world.token({ header: { kid: 'bad-n' }, signKey: spare.key }),
    expect: UNKNOWN_KEY,
    skipped: { 'bad-n': true },
  },
]

const reference = async (token: string): Promise<boolean> =>
  (
    await createReference(world.issuer.jwks() as JSONWebKeySet, {
      issuer: world.issuer.issuer,
      audience: world.issuer.audience,
      nowSeconds: world.now,
      profile: {},
    })(token)
  ).ok

describe('JWKS content', () => {
  it.each(cases.map((c) => [c.id, c] as const))('%s', async (_name, c) => {
    serve(c.entries)
    const events: KeySetFetchEvent[] = []
    const guard = createGuard(world.options({ onJwksFetch: (event) => events.push(event) }))
    const result = await outcome(guard.authenticate(bearer(c.token)))
    expectVerdict(result, c.expect, c.token)
    if (result.ok) expect(await reference(c.token), 'jose must accept what the guard accepts').toBe(true)
    if (c.expect !== 'accept' && (c.expect as Rejection).description === 'algorithm not allowed') expect(events).toEqual([])
    else {
      expect(events).toHaveLength(1)
      expect(events[0]).toMatchObject({ ok: true, reason: 'initial' })
      const skipped = new Map((events[0]?.skipped ?? []).map((s) => [s.kid, s.reason]))
      for (const [kid, reason] of Object.entries(c.skipped ?? {})) {
        expect(skipped.has(kid), `${kid} skipped`).toBe(true)
        if (reason !== true) expect(skipped.get(kid)).toBe(reason)
      }
      // The world's RSA-1024 key is skipped in every set.
      expect(skipped.get(world.weakRsa.kid)).toBe('RSA key shorter than 2048 bits')
    }
    // Whatever the entries, the issuer's real keys keep working.
    expectVerdict(await outcome(guard.authenticate(bearer(world.token()))), 'accept')
  })

  it('duplicate kid: at most a few candidates are tried', async () => {
    const ec = (): { key: KeyObject; jwk: JWK } => {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      return { key: privateKey, jwk: { ...(publicKey.export({ format: 'jwk' }) as JWK), kid: 'many', alg: 'ES256' } }
    }
    const keys = Array.from({ length: 11 }, ec)
    serve(keys.map((k) => k.jwk))
    const guard = createGuard(world.options())
    const signedBy = (index: number): string =>
      world.token({ header: { alg: 'ES256', kid: 'many' }, signAlg: 'ES256', signKey: (keys[index] as { key: KeyObject }).key })
    expectVerdict(await outcome(guard.authenticate(bearer(signedBy(1)))), 'accept')
    expectVerdict(await outcome(guard.authenticate(bearer(signedBy(3)))), 'accept')
    // The eleventh key with this kid is beyond the candidate bound: a hostile JWKS cannot multiply our work.
    expectVerdict(await outcome(guard.authenticate(bearer(signedBy(10)))), BAD_SIGNATURE)
  })

  it('a JWKS with no usable key is an upstream failure (503), and the skip reasons stay server-side', async () => {
    const kids = [...world.issuer.kids]
    for (const kid of kids) world.issuer.removeKey(kid)
    world.issuer.setExtraKeys([{ kty: 'oct', k: b64u(secret), kid: 'only-oct' }, world.weakRsa.jwk])
    try {
      const guard = createGuard(world.options())
      const result = await outcome(guard.authenticate(bearer(world.token())))
      expect(result).toMatchObject({ ok: false, status: 503, code: undefined, description: 'authorization keys temporarily unavailable' })
      if (result.ok) return
      expect(result.error.headers).toEqual({ 'retry-after': '1', 'cache-control': 'no-store' })
      expect(JSON.stringify(result.error.toJSON())).not.toMatch(/oct|symmetric|usable|127\.0\.0\.1/)
    } finally {
      for (const kid of kids) world.issuer.publish(kid)
    }
  })

  it('keys of every supported family, published without alg, verify only with algorithms their type fits', async () => {
    const entries: JWK[] = []
    const signers: Array<[string, KeyObject, SignAlg, Verdict]> = []
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    entries.push({ ...(ec.publicKey.export({ format: 'jwk' }) as JWK), kid: 'ec-no-alg' })
    signers.push(['ec-no-alg', ec.privateKey, 'ES256', 'accept'], ['ec-no-alg', ec.privateKey, 'ES384', UNKNOWN_KEY])
    const ed = generateKeyPairSync('ed25519')
    entries.push({ ...(ed.publicKey.export({ format: 'jwk' }) as JWK), kid: 'ed-no-alg' })
    signers.push(['ed-no-alg', ed.privateKey, 'EdDSA', 'accept'], ['ed-no-alg', ed.privateKey, 'Ed25519', 'accept'])
    serve(entries)
    const guard = createGuard(world.options())
    for (const [kid, key, alg, verdict] of signers) {
      const token = world.token({ header: { alg, kid }, signAlg: alg, signKey: key })
      expectVerdict(await outcome(guard.authenticate(bearer(token))), verdict, token)
    }
  })
})
