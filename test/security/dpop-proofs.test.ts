/**
 * DPoP proofs under fuzzing and against `jose` (RFC 9449). Whatever arrives in the `DPoP` header (binary
 * junk, mutated real proofs, arbitrary JSON headers and `jwk`s, arbitrary claims signed by the real client
 * key), the guard answers with an accepted token or a 400/401 BearerError: never another exception, never a
 * hang, nothing internal to the client. What it accepts, `jose.jwtVerify` with the proof's embedded key and
 * `typ: dpop+jwt` accepts too, and the claims satisfy an independent restatement of §4.3.
 */
import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { BearerError, type BearerRequest, createGuard, type ReplayStore } from '@bearer-guard/core'
import { createTestIssuer } from '@bearer-guard/testing'
import fc from 'fast-check'
import { EmbeddedJWK, jwtVerify } from 'jose'
import { afterAll, describe, expect, it } from 'vitest'
import { b64u, segment, signBytes } from './support/jws.js'
import { fuzzRuns, fuzzTimeout } from './support/runs.js'

const as = await createTestIssuer({ alg: 'ES256' })
const figures: Record<string, number> = {}
const RUNS = fuzzRuns(200)
afterAll(async () => {
  console.info(`[figures] dpop fuzz: ${JSON.stringify(figures)} (runs per property: ${RUNS})`)
  await as.close()
})
const count = (name: string): void => {
  figures[name] = (figures[name] ?? 0) + 1
}

const HOST = 'api.example.test'
const HTU = `https://${HOST}/things`
const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const jwk = publicKey.export({ format: 'jwk' }) as Record<string, string>
const jkt = createHash('sha256')
  .update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }))
  .digest('base64url')
const token = await as.sign({ cnf: { jkt } })
const ath = createHash('sha256').update(token).digest('base64url')
const now = (): number => Math.floor(Date.now() / 1000)

/** Every proof is fresh to this store, so a mutated proof is judged on its content, not its jti. */
const forgetful: ReplayStore = { useOnce: () => true }
const guard = createGuard({ issuer: as.issuer, audience: as.audience, jwksUri: as.jwksUri, dpop: { replayStore: forgetful } })

function proofWith(header: unknown, payload: unknown, key: KeyObject = privateKey): string {
  const input = `${segment(header)}.${segment(payload)}`
  return `${input}.${b64u(signBytes('ES256', input, key))}`
}
const validHeader = { typ: 'dpop+jwt', alg: 'ES256', jwk }
const validPayload = () => ({ jti: `j-${Math.random()}`, htm: 'GET', htu: HTU, iat: now(), ath })
const request = (proof: unknown): BearerRequest =>
  ({
    method: 'GET',
    url: '/things?x=1',
    secure: true,
    headers: { host: HOST, authorization: `DPoP ${token}`, dpop: proof },
  }) as BearerRequest

// Keys fetched and code warmed before any property is timed.
await guard.authenticate(request(proofWith(validHeader, validPayload())))

const SAFE_DESCRIPTION = /^[A-Za-z][A-Za-z_ :+-]{2,80}$/
const CHALLENGE =
  /^Bearer, DPoP (?:error="(?:invalid_request|invalid_token|invalid_dpop_proof)", error_description="[^"]{3,80}", )?algs="[A-Za-z0-9 ]+"$/

async function judge(proof: unknown): Promise<'accepted' | BearerError> {
  let timer: NodeJS.Timeout | undefined
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('no answer within 5 s')), 5000)
  })
  try {
    await Promise.race([guard.authenticate(request(proof)), hang])
    count('accepted')
    return 'accepted'
  } catch (error) {
    if (!BearerError.is(error)) throw new Error(`not a BearerError: ${String(error)}`, { cause: error })
    count(`${error.status} ${error.code}`)
    expect([400, 401]).toContain(error.status)
    expect(error.description).toMatch(SAFE_DESCRIPTION)
    expect(error.stack ?? '').not.toMatch(/\n\s+at /)
    expect(Object.keys(error.headers)).toEqual(['www-authenticate'])
    expect(error.headers['www-authenticate']).toMatch(CHALLENGE)
    return error
  } finally {
    clearTimeout(timer)
  }
}

/** The reference: jose with the embedded key, then §4.3's claim rules restated independently. */
async function referenceAccepts(proof: string): Promise<boolean> {
  try {
    const { payload, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: ['ES256'] })
    const key = protectedHeader.jwk as Record<string, unknown>
    const thumb = createHash('sha256')
      .update(JSON.stringify({ crv: key.crv, kty: key.kty, x: key.x, y: key.y }))
      .digest('base64url')
    return (
      thumb === jkt &&
      typeof payload.jti === 'string' &&
      payload.jti.length > 0 &&
      payload.htm === 'GET' &&
      typeof payload.htu === 'string' &&
      new URL(payload.htu).origin === `https://${HOST}` &&
      payload.ath === ath &&
      typeof payload.iat === 'number' &&
      Math.abs(payload.iat - now()) <= 70
    )
  } catch {
    return false
  }
}

describe('DPoP header fuzzing', () => {
  // Generous: the suite shares two cores with everything else; a property that hangs still fails (5 s per request).
  const timeout = Math.max(60_000, fuzzTimeout(RUNS, 25))

  it('arbitrary header values: binary, base64url junk, header arrays', { timeout }, async () => {
    const b64char = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split(''))
    const value = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.array(fc.string({ unit: b64char, maxLength: 80 }), { minLength: 1, maxLength: 6 }).map((s) => s.join('.')),
      fc.array(fc.string({ maxLength: 20 }), { maxLength: 3 }),
      fc.constantFrom(undefined, '', '.', '..', 'a'.repeat(9000)),
    )
    await fc.assert(
      fc.asyncProperty(value, async (proof) => {
        expect(await judge(proof)).not.toBe('accepted')
      }),
      { numRuns: RUNS },
    )
  })

  it('mutated real proofs: what is accepted, jose accepts too', { timeout }, async () => {
    const mutated = fc
      .tuple(fc.nat(), fc.constantFrom('insert', 'delete', 'replace', 'swap'), fc.constantFrom(...'.-_=+/Aa0 '.split('')))
      .map(([at, kind, char]) => {
        const proof = proofWith(validHeader, validPayload())
        const i = at % proof.length
        if (kind === 'insert') return proof.slice(0, i) + char + proof.slice(i)
        if (kind === 'delete') return proof.slice(0, i) + proof.slice(i + 1)
        if (kind === 'replace') return proof.slice(0, i) + char + proof.slice(i + 1)
        const [h, p, s] = proof.split('.')
        return `${p}.${h}.${s}`
      })
    await fc.assert(
      fc.asyncProperty(mutated, async (proof) => {
        if ((await judge(proof)) === 'accepted') expect(await referenceAccepts(proof)).toBe(true)
      }),
      { numRuns: RUNS },
    )
  })

  it('arbitrary protected headers and jwk members, signed by the real key', { timeout }, async () => {
    const jwkish = fc.oneof(
      fc.constant(jwk),
      fc.record({ ...Object.fromEntries(Object.entries(jwk).map(([k, v]) => [k, fc.constantFrom(v, '', 'AAAA', 1, null)])) }),
      fc.constant({ ...jwk, d: 'AAAA' }),
      fc.constant({ kty: 'oct', k: 'AAAA' }),
      fc.constant({ kty: 'RSA', n: 'AQAB', e: 'AQAB' }),
      fc.constant({ kty: 'OKP', crv: 'Ed25519', x: jwk.x }),
      fc.jsonValue({ maxDepth: 2 }),
    )
    const header = fc.record(
      {
        typ: fc.constantFrom('dpop+jwt', 'DPOP+JWT', 'application/dpop+jwt', 'jwt', 'at+jwt', 1, null),
        alg: fc.constantFrom('ES256', 'none', 'HS256', 'ES384', 'EdDSA', 'RS256', 'es256'),
        jwk: jwkish,
        crit: fc.constant(['b64']),
        b64: fc.boolean(),
        kid: fc.string({ maxLength: 5 }),
      },
      { requiredKeys: ['alg'] },
    )
    await fc.assert(
      fc.asyncProperty(header, async (h) => {
        const proof = proofWith(h, validPayload())
        if ((await judge(proof)) === 'accepted') expect(await referenceAccepts(proof)).toBe(true)
      }),
      { numRuns: RUNS },
    )
  })

  it('arbitrary claims signed by the real key: what passes is sound', { timeout }, async () => {
    // Overrides of a valid payload: any subset of members replaced by hostile values (or removed), so the
    // accept side is reached often enough to be judged, and the no-override case always runs.
    const overrides = fc.record(
      {
        jti: fc.oneof(fc.string({ maxLength: 300 }), fc.integer(), fc.constant(null), fc.constant(undefined)),
        htm: fc.constantFrom('GET', 'get', 'POST', '', 1, undefined),
        htu: fc.oneof(
          fc.constantFrom(
            HTU,
            `${HTU}?q=1#f`,
            'HTTPS://API.EXAMPLE.TEST:443/things',
            `http://${HOST}/things`,
            `https://${HOST}/other`,
            'x',
          ),
          fc.webUrl(),
          fc.string({ maxLength: 30 }),
        ),
        iat: fc.oneof(fc.integer({ min: now() - 200, max: now() + 200 }), fc.double(), fc.string({ maxLength: 5 }), fc.constant(undefined)),
        ath: fc.constantFrom(ath, '', b64u('x'), 1, undefined),
        nonce: fc.string({ maxLength: 10 }),
      },
      { requiredKeys: [] },
    )
    let accepted = 0
    await fc.assert(
      fc.asyncProperty(overrides, async (changes) => {
        const proof = proofWith(validHeader, { ...validPayload(), ...changes })
        if ((await judge(proof)) === 'accepted') {
          accepted += 1
          expect(await referenceAccepts(proof)).toBe(true)
        }
      }),
      { numRuns: RUNS, examples: [[{}]] },
    )
    expect(accepted).toBeGreaterThan(0)
  })

  it('a valid proof is accepted by both (the properties above can tell accept from reject)', async () => {
    const proof = proofWith(validHeader, validPayload())
    expect(await judge(proof)).toBe('accepted')
    expect(await referenceAccepts(proof)).toBe(true)
  })
})
