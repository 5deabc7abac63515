/**
 * Equivalence of the guard's synchronous node:crypto path with `jose.jwtVerify` (see
 * packages/core/src/jwt/signature.ts). Every corpus token, and a fast-check stream of generated ones, goes
 * through both with the same keys and policy. The guard must never accept what jose rejects; where it
 * rejects what jose accepts, the reason must be one of the deliberate, listed strictnesses below.
 */
import { randomBytes } from 'node:crypto'
import { createGuard, type Guard, type GuardOptions } from '@bearer-guard/core'
import fc from 'fast-check'
import type { JSONWebKeySet } from 'jose'
import { afterAll, describe, expect, it } from 'vitest'
import { buildTokenCorpus, PROFILES, type Profile } from './corpus.js'
import { tokenArbitrary } from './support/arbitraries.js'
import { parts } from './support/jws.js'
import { createReference, type JoseVerdict } from './support/reference.js'
import { fuzzRuns, fuzzTimeout } from './support/runs.js'
import { createWorld, type Outcome, outcome } from './support/world.js'

const world = await createWorld()
const corpus = buildTokenCorpus(world)
const jwks = world.issuer.jwks() as JSONWebKeySet
const figures = { corpus: 0, generated: 0, secretMode: 0, bothAccept: 0, bothReject: 0, guardStricter: {} as Record<string, number> }

afterAll(async () => {
  console.info(`[figures] differential: ${JSON.stringify(figures)}`)
  await world.close()
})

const guards = new Map<string, Guard>()
const guardFor = (profile: Partial<GuardOptions>): Guard => {
  const key = JSON.stringify(profile)
  let guard = guards.get(key)
  if (guard === undefined) {
    guard = createGuard(world.options(profile))
    guards.set(key, guard)
  }
  return guard
}
const references = new Map<string, (token: string) => Promise<JoseVerdict>>()
const referenceFor = (profile: Partial<GuardOptions>): ((token: string) => Promise<JoseVerdict>) => {
  const key = JSON.stringify(profile)
  let reference = references.get(key)
  if (reference === undefined) {
    reference = createReference(jwks, { issuer: world.issuer.issuer, audience: world.issuer.audience, nowSeconds: world.now, profile })
    references.set(key, reference)
  }
  return reference
}

function decodeLoose(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } | undefined {
  try {
    const [h, p] = parts(token)
    const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'))
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'))
    return typeof header === 'object' && typeof payload === 'object' ? { header, payload } : undefined
  } catch {
    return undefined
  }
}

const COMPAT_TYPES = new Set(['jwt', 'application/jwt', 'at+jwt', 'application/at+jwt'])
const nonFinite = (value: unknown): boolean => typeof value === 'number' && !Number.isFinite(value)
const badScope = (value: unknown): boolean =>
  value !== undefined && value !== null && typeof value !== 'string' && !(Array.isArray(value) && value.every((s) => typeof s === 'string'))

/**
 * The deliberate strictnesses: for a token jose accepts, the guard may refuse it only for one of these
 * reasons, and only when the token really has the trait named.
 */
/** True when the last character of an unpadded base64url segment sets bits that encode nothing. */
function hasSpareBits(segment: string): boolean {
  const rest = segment.length % 4
  if (rest < 2) return false
  return Buffer.from(segment, 'base64url').toString('base64url') !== segment
}

function stricterBecause(token: string, description: string, profile: Partial<GuardOptions>): string | undefined {
  if (description === 'token too large' && token.length > (profile.maxTokenLength ?? 8192)) return 'token longer than maxTokenLength'
  if (description === 'malformed token' && token.includes('=')) return 'base64 padding (RFC 7515 §2: base64url without padding)'
  if (description === 'malformed token' && token.startsWith('77u_')) return 'BOM before the header JSON (RFC 8259 §8.1)'
  if ((description === 'malformed token' || description === 'invalid signature') && token.split('.').some(hasSpareBits)) {
    return 'non-canonical base64url: spare bits set in a segment’s last character (RFC 4648 §3.5)'
  }
  const decoded = decodeLoose(token)
  if (decoded === undefined) return undefined
  const { header, payload } = decoded
  const rules: Array<[string, string, boolean]> = [
    [
      'token type not allowed',
      'typ of another token kind (RFC 8725 §3.11)',
      header.typ !== undefined && (typeof header.typ !== 'string' || !COMPAT_TYPES.has(header.typ.toLowerCase())),
    ],
    ['unencoded payload not allowed', 'b64 present but not true (RFC 7797)', header.b64 !== undefined && header.b64 !== true],
    ['unsupported critical header', 'crit lists an extension (the guard understands none)', header.crit !== undefined],
    ['invalid exp claim', 'non-finite exp', nonFinite(payload.exp)],
    ['invalid nbf claim', 'non-finite nbf', nonFinite(payload.nbf)],
    ['invalid iat claim', 'non-finite iat', nonFinite(payload.iat)],
    ['invalid sub claim', 'sub not a string', payload.sub !== undefined && typeof payload.sub !== 'string'],
    ['invalid jti claim', 'jti not a string', payload.jti !== undefined && typeof payload.jti !== 'string'],
    ['invalid client_id claim', 'client_id not a string', payload.client_id !== undefined && typeof payload.client_id !== 'string'],
    ['invalid azp claim', 'azp not a string', payload.azp !== undefined && typeof payload.azp !== 'string'],
    ['invalid scope claim', 'scope/scp neither a string nor an array of strings', badScope(payload.scope) || badScope(payload.scp)],
    [
      'unexpected audience',
      'aud array with a non-string member',
      Array.isArray(payload.aud) && payload.aud.some((member: unknown) => typeof member !== 'string'),
    ],
    ['unknown signing key', 'no kid and several keys fit (the guard does not try them all)', header.kid === undefined],
    [
      'token issued in the future',
      'iat in the future beyond clockTolerance (policy, like PyJWT)',
      typeof payload.iat === 'number' && payload.iat - (profile.clockTolerance ?? 5) > world.now, // the guard's frozen clock
    ],
    [
      'invalid signature',
      'RSA signature shorter than the modulus (RFC 8017 §8.1.2 / §8.2.2 step 1)',
      typeof header.alg === 'string' && /^(RS|PS)/.test(header.alg) && Buffer.from(token.split('.')[2] ?? '', 'base64url').length !== 256, // the corpus's RSA keys are 2048-bit
    ],
  ]
  for (const [reason, label, holds] of rules) if (reason === description && holds) return label
  return undefined
}

function compare(
  token: string,
  guardOutcome: Outcome,
  jose: JoseVerdict,
  profile: Partial<GuardOptions>,
): 'both-accept' | 'both-reject' | string {
  if (guardOutcome.ok) {
    if (!jose.ok) expect.fail(`the guard accepted a token jose rejects (${jose.reason}): ${token}`)
    return 'both-accept'
  }
  if (!jose.ok) return 'both-reject'
  const because = stricterBecause(token, guardOutcome.description, profile)
  if (because === undefined)
    expect.fail(`jose accepts, the guard refuses with "${guardOutcome.description}" for no listed reason: ${token}`)
  return because
}

describe('every corpus token: guard vs jose.jwtVerify', () => {
  it.each(corpus.map((c) => [`${c.group}: ${c.id}`, c] as const))('%s', async (_name, c) => {
    const profile = PROFILES[c.profile as Profile]
    const guardOutcome = await outcome(guardFor(profile).verify(c.token))
    const jose = await referenceFor(profile)(c.token)
    const verdict = compare(c.token, guardOutcome, jose, profile)
    figures.corpus += 1
    if (c.jose === 'same') {
      expect(jose.ok, jose.ok ? 'jose accepts' : jose.reason).toBe(guardOutcome.ok)
    } else {
      expect(jose.ok, 'the corpus says jose accepts this token').toBe(true)
      expect(guardOutcome.ok).toBe(false)
      figures.guardStricter[verdict] = (figures.guardStricter[verdict] ?? 0) + 1
    }
  })
})

describe('generated tokens: guard vs jose.jwtVerify', () => {
  const runs = { default: fuzzRuns(400), strict: fuzzRuns(150), maxAge: fuzzRuns(150), secret: fuzzRuns(150) }
  it.each(['default', 'strict', 'maxAge'] as const)('profile %s', { timeout: fuzzTimeout(runs.default) }, async (profileName) => {
    const profile = PROFILES[profileName]
    const guard = guardFor(profile)
    const reference = referenceFor(profile)
    const seen = { accept: 0, total: 0 }
    await fc.assert(
      fc.asyncProperty(tokenArbitrary(world), async ({ token }) => {
        const verdict = compare(token, await outcome(guard.verify(token)), await reference(token), profile)
        seen.total += 1
        figures.generated += 1
        if (verdict === 'both-accept') {
          seen.accept += 1
          figures.bothAccept += 1
        } else if (verdict === 'both-reject') figures.bothReject += 1
        else figures.guardStricter[verdict] = (figures.guardStricter[verdict] ?? 0) + 1
      }),
      { numRuns: runs[profileName] },
    )
    // The stream must reach acceptance often enough for the comparison to mean something.
    expect(seen.accept / seen.total).toBeGreaterThan(0.03)
  })

  it('shared secret (HS*): guard vs jose with the same secret', { timeout: fuzzTimeout(runs.secret) }, async () => {
    const secret = randomBytes(64)
    const profile: Partial<GuardOptions> = { secret, jwksUri: undefined }
    const guard = createGuard({ ...world.options(), jwksUri: undefined, secret })
    const reference = createReference(secret, {
      issuer: world.issuer.issuer,
      audience: world.issuer.audience,
      nowSeconds: world.now,
      profile,
    })
    const wrong = randomBytes(64)
    let accepted = 0
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('HS256', 'HS384', 'HS512', 'RS256', 'none') as fc.Arbitrary<'HS256' | 'HS384' | 'HS512' | 'RS256' | 'none'>,
        fc.constantFrom('HS256', 'HS384', 'HS512') as fc.Arbitrary<'HS256' | 'HS384' | 'HS512'>,
        fc.constantFrom('right', 'wrong', 'public-key'),
        fc.integer({ min: -20, max: 20 }),
        async (alg, signAlg, keyChoice, expDelta) => {
          const key = keyChoice === 'right' ? secret : keyChoice === 'wrong' ? wrong : Buffer.from(JSON.stringify(world.keys.RS256.jwk))
          const token = world.token({ header: { alg, kid: undefined }, claims: { exp: world.now + expDelta }, signAlg, signKey: key })
          const verdict = compare(token, await outcome(guard.verify(token)), await reference(token), profile)
          figures.secretMode += 1
          if (verdict === 'both-accept') accepted += 1
        },
      ),
      { numRuns: runs.secret },
    )
    expect(accepted).toBeGreaterThan(0)
  })
})
