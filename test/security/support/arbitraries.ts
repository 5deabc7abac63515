/**
 * fast-check generators for hostile-but-plausible tokens: real signatures from the world's keys over headers
 * and claims that wander around every boundary the guard checks, so the property runs reach the claims logic
 * instead of dying at the first structural check.
 */
import fc from 'fast-check'
import { b64u, parts, type SignAlg, segment, signBytes } from './jws.js'
import type { Signer, World } from './world.js'

const DELETE = Symbol('delete')
type Maybe<T> = T | typeof DELETE

const ALGS: readonly string[] = [
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
  'HS256',
  'HS384',
  'HS512',
  'none',
  'None',
  '',
]

const family = (alg: string): string => (alg.startsWith('RS') || alg.startsWith('PS') ? 'RSA' : alg.slice(0, 2))

type Perturbation = readonly [string, Maybe<unknown>]

/** Nothing changed most of the time (so runs reach acceptance), else one to three members replaced or removed. */
function perturbations(one: fc.Arbitrary<Perturbation>): fc.Arbitrary<readonly Perturbation[]> {
  return fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, { weight: 2, arbitrary: fc.array(one, { minLength: 1, maxLength: 3 }) })
}

function apply(base: Record<string, unknown>, changes: readonly Perturbation[]): Record<string, unknown> {
  const out = { ...base }
  for (const [name, value] of changes) {
    if (value === DELETE) delete out[name]
    else out[name] = value
  }
  return out
}

const member = (name: string, values: fc.Arbitrary<unknown>): fc.Arbitrary<Perturbation> =>
  fc.tuple(fc.constant(name), fc.oneof({ weight: 1, arbitrary: fc.constant<Maybe<unknown>>(DELETE) }, { weight: 3, arbitrary: values }))

export function timeValue(now: number): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.integer({ min: -8, max: 8 }).map((d) => now + d),
    fc.integer({ min: -100_000, max: 100_000 }).map((d) => now + d),
    fc.double({ min: now - 10, max: now + 10, noNaN: true }),
    fc.constantFrom(0, -1, 1e15, 253_402_300_799, Number.MAX_SAFE_INTEGER),
    fc.constantFrom(String(now + 60), 'NaN', null, true),
    fc.jsonValue({ maxDepth: 1 }),
  )
}

export function claimsArbitrary(w: World): fc.Arbitrary<Record<string, unknown>> {
  const iss = w.issuer.issuer
  const aud = w.issuer.audience
  const string = fc.string({ maxLength: 12 })
  const json = fc.jsonValue({ maxDepth: 1 })
  const change = fc.oneof(
    member('iss', fc.oneof(fc.constantFrom(`${iss}/`, iss.toUpperCase(), [iss], w.attacker.issuer), json)),
    member(
      'aud',
      fc.oneof(fc.constantFrom([aud], [aud, 'https://other.example'], ['https://other.example'], [], [aud, 1], `${aud}/`, 42), json),
    ),
    member('exp', timeValue(w.now)),
    member('nbf', timeValue(w.now)),
    member('iat', timeValue(w.now)),
    member('sub', fc.oneof(string, json)),
    member('client_id', json),
    member('jti', fc.oneof(fc.uuid(), json)),
    member('azp', json),
    member('scope', fc.oneof(fc.array(string, { maxLength: 3 }), string, json)),
    member('scp', json),
    fc.tuple(string, json),
  )
  return perturbations(change).map((changes) => apply(w.claims({ jti: 'jti-fixed' }), changes))
}

export interface GeneratedToken {
  readonly token: string
  readonly signer: Signer
  readonly mutation: string
}

export function tokenArbitrary(w: World): fc.Arbitrary<GeneratedToken> {
  const signers: Signer[] = [...Object.values(w.keys), w.noAlgRsa, w.weakRsa, w.attackerRsa, w.attackerEc]
  const kids = signers.map((s) => s.kid)
  const signer = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...Object.values(w.keys)) }, fc.constantFrom(...signers))
  return signer.chain((signer) =>
    fc
      .record({
        header: perturbations(
          fc.oneof(
            member('alg', fc.oneof(fc.constantFrom(...ALGS), fc.jsonValue({ maxDepth: 1 }))),
            member('kid', fc.oneof(fc.constantFrom(...kids), fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 1 }))),
            member(
              'typ',
              fc.oneof(
                fc.constantFrom('JWT', 'application/at+jwt', 'AT+JWT', 'dpop+jwt', 'logout+jwt', 'secevent+jwt', 'jwt', 1),
                fc.string({ maxLength: 10 }),
              ),
            ),
            member('crit', fc.constantFrom(['b64'], ['exp'], [], 'exp')),
            member('b64', fc.constantFrom(true, false, 'false')),
            member('jku' as string, fc.constantFrom(w.attacker.jwksUri)),
            fc.tuple(fc.constantFrom('x5u', 'jwk', 'x5c', 'cty', 'zip', 'nonce', 'x'), fc.jsonValue({ maxDepth: 1 })),
          ),
        ).map((changes) => apply({ alg: signer.alg, typ: 'at+jwt', kid: signer.kid }, changes)),
        claims: claimsArbitrary(w),
        confusionSecret: fc.boolean(),
        mutation: fc.oneof(
          { weight: 12, arbitrary: fc.constant('none') },
          fc.constantFrom('flip', 'swap-signature', 'truncate', 'dangling', 'empty-signature', 'jwe', 'duplicate-alg-none'),
        ),
      })
      .map(({ header, claims, confusionSecret, mutation }) => {
        let headerPart = segment(header)
        if (mutation === 'duplicate-alg-none') headerPart = segment(`${JSON.stringify(header).slice(0, -1)},"alg":"none"}`)
        const payloadPart = segment(claims)
        const input = `${headerPart}.${payloadPart}`
        const alg = typeof header.alg === 'string' ? header.alg : ''
        let signature: Buffer
        try {
          if (alg.startsWith('HS') && confusionSecret) {
            signature = signBytes(alg as SignAlg, input, Buffer.from(signer.publicKey.export({ type: 'spki', format: 'pem' }) as string))
          } else {
            const signAlg = ALGS.includes(alg) && family(alg) === family(signer.alg) ? (alg as SignAlg) : signer.alg
            signature = signBytes(signAlg, input, signer.key)
          }
        } catch {
          signature = signBytes(signer.alg, input, signer.key)
        }
        let token = `${input}.${b64u(signature)}`
        const [hp, pp, sp] = parts(token)
        switch (mutation) {
          case 'flip': {
            const bytes = Buffer.from(sp, 'base64url')
            bytes[0] = (bytes[0] as number) ^ 0x80
            token = `${hp}.${pp}.${b64u(bytes)}`
            break
          }
          case 'swap-signature':
            token = `${hp}.${pp}.${parts(w.token())[2]}`
            break
          case 'truncate':
            token = token.slice(0, -3)
            break
          case 'dangling':
            token = `${token}A`
            break
          case 'empty-signature':
            token = `${hp}.${pp}.`
            break
          case 'jwe':
            token = `${hp}.${pp}.${sp}.${sp}.${sp}`
            break
        }
        return { token, signer, mutation }
      }),
  )
}
