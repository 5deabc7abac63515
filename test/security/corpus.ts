/**
 * The attack corpus: every known way to forge or confuse a bearer JWT, as data. Each case names the exact
 * outcome the guard must reach when the token arrives in an `Authorization: Bearer` header (status, RFC 6750
 * code, description), how many JWKS requests a cold guard may make for it (0 = refused before any key is
 * looked up), and how `jose.jwtVerify` judges the same token (`same` = jose also rejects / also accepts;
 * `guard-stricter` = jose accepts and the guard refuses on purpose). The core, every adapter and the
 * differential test all run this one table.
 */
import { type KeyObject, randomUUID, sign } from 'node:crypto'
import type { GuardOptions } from '@bearer-guard/core'
import { b64u, craft, craftRaw, parts, segment } from './support/jws.js'
import type { Signer, World } from './support/world.js'

export type Code = 'invalid_request' | 'invalid_token' | 'insufficient_scope' | undefined

export interface Rejection {
  readonly status: 400 | 401 | 403
  readonly code: Code
  readonly description: string
}

export type Verdict = 'accept' | Rejection

/** Guard configurations the corpus runs under (all jwksUri mode, frozen clock). */
export const PROFILES = {
  default: {},
  strict: { strict: true },
  /** Large enough for the 10 KB `kid`, to show it is an unknown key rather than only an oversized token. */
  wide: { maxTokenLength: 65_536 },
  maxAge: { maxTokenAge: 300 },
} as const satisfies Record<string, Partial<GuardOptions>>

export type Profile = keyof typeof PROFILES

export interface TokenCase {
  readonly id: string
  readonly group: 'control' | 'alg-none' | 'signature' | 'confusion' | 'header' | 'structure' | 'claims'
  readonly token: string
  readonly expect: Verdict
  /** JWKS requests a cold guard makes for this token. */
  readonly fetches: 0 | 1
  readonly profile: Profile
  readonly jose: 'same' | 'guard-stricter'
  /** Why the guard is stricter than jose here (required when `jose` is `guard-stricter`). */
  readonly why?: string
}

/** Whether jose (WebCrypto, so OpenSSL) verifies an RSA signature with its leading zero byte removed: PS256 does (measured by the differential test). */
const JOSE_ACCEPTS_SHORT_RSA: Readonly<Record<string, boolean>> = { RS256: false, PS256: true }

const invalidToken = (description: string): Rejection => ({ status: 401, code: 'invalid_token', description })
const invalidRequest = (description: string): Rejection => ({ status: 400, code: 'invalid_request', description })

export const ALG_NOT_ALLOWED = invalidToken('algorithm not allowed')
export const MALFORMED = invalidToken('malformed token')
export const UNKNOWN_KEY = invalidToken('unknown signing key')
export const BAD_SIGNATURE = invalidToken('invalid signature')
export const MISSING_SIGNATURE = invalidToken('missing signature')
export const TOO_LARGE = invalidToken('token too large')
export const TYPE_NOT_ALLOWED = invalidToken('token type not allowed')
export const BAD_HEADER_SYNTAX = invalidRequest('malformed authorization header')

/** The public key of `signer` in the forms an HMAC confusion attack tries as the shared secret. */
function publicKeyForms(signer: Signer): Array<[string, Uint8Array]> {
  const key: KeyObject = signer.publicKey
  const forms: Array<[string, Uint8Array]> = [
    ['spki PEM', Buffer.from(key.export({ type: 'spki', format: 'pem' }) as string)],
    ['JWK JSON', Buffer.from(JSON.stringify(signer.jwk))],
    ['spki DER', key.export({ type: 'spki', format: 'der' })],
  ]
  if (key.asymmetricKeyType === 'rsa') forms.push(['pkcs1 PEM', Buffer.from(key.export({ type: 'pkcs1', format: 'pem' }) as string)])
  return forms
}

export function buildTokenCorpus(w: World): TokenCase[] {
  const cases: TokenCase[] = []
  const add = (c: Omit<TokenCase, 'profile' | 'jose'> & Partial<Pick<TokenCase, 'profile' | 'jose'>>): void => {
    cases.push({ profile: 'default', jose: 'same', ...c })
  }
  const { keys, now } = w
  const rs = keys.RS256
  const iss = w.issuer.issuer
  const aud = w.issuer.audience
  const claimsJson = (extra: string): string => {
    const base = JSON.stringify(w.claims())
    return `${base.slice(0, -1)},${extra}}`
  }
  const withoutClaims = (...names: string[]): Record<string, unknown> => Object.fromEntries(names.map((n) => [n, undefined]))

  // ---------------------------------------------------------------- positive controls: the corpus can fail
  for (const alg of Object.keys(keys) as Array<keyof typeof keys>) {
    add({ id: `control: valid ${alg}`, group: 'control', token: w.token({ signer: keys[alg] }), expect: 'accept', fetches: 1 })
  }
  add({ id: 'control: key without alg, RS256', group: 'control', token: w.token({ signer: w.noAlgRsa }), expect: 'accept', fetches: 1 })
  add({
    id: 'control: key without alg, PS384',
    group: 'control',
    token: w.token({ signer: w.noAlgRsa, header: { alg: 'PS384' }, signAlg: 'PS384' }),
    expect: 'accept',
    fetches: 1,
  })
  add({ id: 'control: typ JWT', group: 'control', token: w.token({ header: { typ: 'JWT' } }), expect: 'accept', fetches: 1 })
  add({ id: 'control: no typ', group: 'control', token: w.token({ header: { typ: undefined } }), expect: 'accept', fetches: 1 })
  add({ id: 'control: b64 true', group: 'control', token: w.token({ header: { b64: true } }), expect: 'accept', fetches: 1 })
  add({
    id: 'control: ES256 without kid (single candidate)',
    group: 'control',
    token: w.token({ signer: keys.ES256, header: { kid: undefined } }),
    expect: 'accept',
    fetches: 1,
  })
  for (const typ of ['at+jwt', 'AT+JWT', 'application/at+jwt', 'Application/At+JWT']) {
    add({
      id: `control: strict typ ${typ}`,
      group: 'control',
      token: w.token({ header: { typ } }),
      expect: 'accept',
      fetches: 1,
      profile: 'strict',
    })
  }

  // ---------------------------------------------------------------- alg none, every spelling
  const [rsHeader, rsPayload, rsSignature] = parts(w.token())
  for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
    const header = segment({ alg, typ: 'at+jwt' })
    add({ id: `alg ${alg}, empty signature`, group: 'alg-none', token: `${header}.${rsPayload}.`, expect: MISSING_SIGNATURE, fetches: 0 })
    add({
      id: `alg ${alg}, with a signature`,
      group: 'alg-none',
      token: `${header}.${rsPayload}.${rsSignature}`,
      expect: ALG_NOT_ALLOWED,
      fetches: 0,
    })
    add({
      id: `alg ${alg} with the real kid, empty signature`,
      group: 'alg-none',
      token: `${segment({ alg, kid: rs.kid })}.${rsPayload}.`,
      expect: MISSING_SIGNATURE,
      fetches: 0,
    })
  }
  const odd: Array<[string, unknown]> = [
    ['absent', undefined],
    ['empty string', ''],
    ['number', 256],
    ['null', null],
    ['array', ['RS256']],
    ['lower case rs256', 'rs256'],
    ['trailing space', 'RS256 '],
    ['unknown ES256K', 'ES256K'],
    ['Ed448', 'Ed448'],
    ['RSA-OAEP (a JWE alg)', 'RSA-OAEP'],
  ]
  for (const [name, alg] of odd) {
    add({
      id: `alg ${name}`,
      group: 'alg-none',
      token: w.token({ header: { alg }, signAlg: 'RS256' }),
      expect: ALG_NOT_ALLOWED,
      fetches: 0,
    })
  }

  // ---------------------------------------------------------------- signatures
  add({ id: 'empty signature', group: 'signature', token: `${rsHeader}.${rsPayload}.`, expect: MISSING_SIGNATURE, fetches: 0 })
  add({ id: 'stripped signature (two parts)', group: 'signature', token: `${rsHeader}.${rsPayload}`, expect: MALFORMED, fetches: 0 })
  const other = parts(w.token({ claims: { sub: 'someone-else' } }))
  add({
    id: 'signature taken from another token',
    group: 'signature',
    token: `${rsHeader}.${rsPayload}.${other[2]}`,
    expect: BAD_SIGNATURE,
    fetches: 1,
  })
  const sigBytes = Buffer.from(rsSignature, 'base64url')
  const flipped = Buffer.from(sigBytes)
  flipped[10] = (flipped[10] as number) ^ 0x01
  add({
    id: 'signature with one bit flipped',
    group: 'signature',
    token: `${rsHeader}.${rsPayload}.${b64u(flipped)}`,
    expect: BAD_SIGNATURE,
    fetches: 1,
  })
  add({
    id: 'signature one byte short',
    group: 'signature',
    token: `${rsHeader}.${rsPayload}.${b64u(sigBytes.subarray(1))}`,
    expect: BAD_SIGNATURE,
    fetches: 1,
  })
  add({
    id: 'signature with a leading zero byte',
    group: 'signature',
    token: `${rsHeader}.${rsPayload}.${b64u(Buffer.concat([Buffer.alloc(1), sigBytes]))}`,
    expect: BAD_SIGNATURE,
    fetches: 1,
  })
  // RFC 8017 §8.1.2 / §8.2.2 step 1: an RSA signature is exactly the modulus length. OpenSSL would accept
  // one whose leading zero byte was dropped, giving one token a second spelling.
  for (const signer of [rs, keys.PS256]) {
    let found: string[] | undefined
    for (let i = 0; found === undefined && i < 5000; i++) {
      const candidate = parts(w.token({ signer, claims: { jti: `zero-lead-${i}` } }))
      if (Buffer.from(candidate[2] as string, 'base64url')[0] === 0) found = candidate
    }
    if (found === undefined) throw new Error('no signature with a leading zero byte in 5000 tries')
    const [h, p, sig] = found as [string, string, string]
    add({
      id: `${signer.alg} control: a signature that starts with 0x00`,
      group: 'signature',
      token: `${h}.${p}.${sig}`,
      expect: 'accept',
      fetches: 1,
    })
    add({
      id: `${signer.alg} signature with its leading 0x00 removed (shorter than the modulus)`,
      group: 'signature',
      token: `${h}.${p}.${b64u(Buffer.from(sig, 'base64url').subarray(1))}`,
      expect: BAD_SIGNATURE,
      fetches: 1,
      jose: JOSE_ACCEPTS_SHORT_RSA[signer.alg] ? 'guard-stricter' : 'same',
      why: 'RSA signature shorter than the modulus (RFC 8017 §8.1.2 / §8.2.2 step 1)',
    })
  }
  add({
    id: "attacker's signature under the issuer's kid",
    group: 'signature',
    token: w.token({ header: { kid: rs.kid }, signKey: w.attackerRsa.key }),
    expect: BAD_SIGNATURE,
    fetches: 1,
  })
  {
    const es = keys.ES256
    const [h, p] = parts(w.token({ signer: es }))
    const der = sign('sha256', Buffer.from(`${h}.${p}`), es.key)
    add({
      id: 'ES256 signature in DER instead of R||S',
      group: 'signature',
      token: `${h}.${p}.${b64u(der)}`,
      expect: BAD_SIGNATURE,
      fetches: 1,
    })
    add({
      id: 'ES256 all-zero R||S',
      group: 'signature',
      token: `${h}.${p}.${b64u(Buffer.alloc(64))}`,
      expect: BAD_SIGNATURE,
      fetches: 1,
    })
  }

  {
    // 96-byte R||S is 128 characters: one more character would be dropped by a lenient decoder.
    const token = w.token({ signer: keys.ES384 })
    add({ id: 'ES384 signature with a dangling character', group: 'signature', token: `${token}Q`, expect: BAD_SIGNATURE, fetches: 0 })
  }

  // ---------------------------------------------------------------- algorithm confusion
  for (const [label, signer] of [
    ['RSA', rs],
    ['EC', keys.ES256],
  ] as const) {
    for (const [form, secret] of publicKeyForms(signer)) {
      for (const alg of ['HS256', 'HS384', 'HS512'] as const) {
        add({
          id: `${alg} keyed with the ${label} public key (${form})`,
          group: 'confusion',
          token: w.token({ signer, header: { alg }, signAlg: alg, signKey: secret }),
          expect: ALG_NOT_ALLOWED,
          fetches: 0,
        })
      }
    }
  }
  for (const alg of ['ES256', 'EdDSA', 'PS256', 'RS384'] as const) {
    add({
      id: `RS256-signed token relabelled ${alg} (RS256-bound kid)`,
      group: 'confusion',
      token: w.token({ header: { alg }, signAlg: 'RS256' }),
      expect: UNKNOWN_KEY,
      fetches: 1,
    })
  }
  add({
    id: 'RS256-signed token relabelled PS256 (kid of a key without alg)',
    group: 'confusion',
    token: w.token({ signer: w.noAlgRsa, header: { alg: 'PS256' }, signAlg: 'RS256' }),
    expect: BAD_SIGNATURE,
    fetches: 1,
  })
  add({
    id: 'RS256-signed token relabelled ES256, no kid',
    group: 'confusion',
    token: w.token({ header: { alg: 'ES256', kid: undefined }, signAlg: 'RS256' }),
    expect: BAD_SIGNATURE,
    fetches: 1,
  })
  const curves: Array<[string, Signer, 'ES256' | 'ES384' | 'ES512']> = [
    ['ES256 header, P-384 key', keys.ES384, 'ES256'],
    ['ES256 header, P-521 key', keys.ES512, 'ES256'],
    ['ES384 header, P-256 key', keys.ES256, 'ES384'],
    ['ES512 header, P-384 key', keys.ES384, 'ES512'],
  ]
  for (const [name, signer, alg] of curves) {
    add({
      id: `EC curve mismatch: ${name} (its kid)`,
      group: 'confusion',
      token: w.token({ signer, header: { alg }, signAlg: alg, signKey: signer.key }),
      expect: UNKNOWN_KEY,
      fetches: 1,
    })
  }
  add({
    id: 'EC curve mismatch: ES256 header, P-384 signature, no kid',
    group: 'confusion',
    token: w.token({ signer: keys.ES384, header: { alg: 'ES256', kid: undefined }, signAlg: 'ES256' }),
    expect: BAD_SIGNATURE,
    fetches: 1,
  })
  add({
    id: 'Ed25519-signed token relabelled ES256 (Ed25519 kid)',
    group: 'confusion',
    token: w.token({ signer: keys.EdDSA, header: { alg: 'ES256' }, signAlg: 'EdDSA' }),
    expect: UNKNOWN_KEY,
    fetches: 1,
  })
  add({ id: 'RSA-1024 key in the JWKS', group: 'confusion', token: w.token({ signer: w.weakRsa }), expect: UNKNOWN_KEY, fetches: 1 })
  add({
    id: 'RSA-1024 key in the JWKS, PS256',
    group: 'confusion',
    token: w.token({ signer: w.weakRsa, header: { alg: 'PS256' }, signAlg: 'PS256' }),
    expect: UNKNOWN_KEY,
    fetches: 1,
  })

  // ---------------------------------------------------------------- header tricks: keys named by the token
  const attacker = w.attackerRsa
  add({
    id: 'jku pointing at the attacker JWKS',
    group: 'header',
    token: w.token({ signer: attacker, header: { jku: w.attacker.jwksUri } }),
    expect: UNKNOWN_KEY,
    fetches: 1,
  })
  add({
    id: "jku pointing at the attacker JWKS, issuer's kid",
    group: 'header',
    token: w.token({ header: { jku: w.attacker.jwksUri }, signKey: attacker.key }),
    expect: BAD_SIGNATURE,
    fetches: 1,
  })
  add({
    id: 'x5u pointing at the attacker',
    group: 'header',
    token: w.token({ signer: attacker, header: { x5u: `${w.attacker.origin}/cert.pem` } }),
    expect: UNKNOWN_KEY,
    fetches: 1,
  })
  add({
    id: 'embedded jwk (attacker EC key), no kid',
    group: 'header',
    token: w.token({ signer: w.attackerEc, header: { kid: undefined, jwk: w.attackerEc.jwk } }),
    expect: BAD_SIGNATURE,
    fetches: 1,
  })
  add({
    id: "embedded jwk (attacker EC key) under the issuer's kid",
    group: 'header',
    token: w.token({ signer: keys.ES256, header: { jwk: { ...w.attackerEc.jwk, kid: keys.ES256.kid } }, signKey: w.attackerEc.key }),
    expect: BAD_SIGNATURE,
    fetches: 1,
  })
  add({
    id: 'embedded jwk (attacker RSA key), attacker kid',
    group: 'header',
    token: w.token({ signer: attacker, header: { jwk: attacker.jwk } }),
    expect: UNKNOWN_KEY,
    fetches: 1,
  })
  add({
    id: 'x5c with the attacker certificate, no kid',
    group: 'header',
    token: w.token({ signer: keys.ES256, header: { kid: undefined, x5c: [w.attackerX5c.cert] }, signKey: w.attackerX5c.key }),
    expect: BAD_SIGNATURE,
    fetches: 1,
  })
  add({
    id: "x5c with the attacker certificate, issuer's kid",
    group: 'header',
    token: w.token({ signer: keys.ES256, header: { x5c: [w.attackerX5c.cert] }, signKey: w.attackerX5c.key }),
    expect: BAD_SIGNATURE,
    fetches: 1,
  })
  const hostileKids = [
    '../../../../../../etc/passwd',
    '/dev/null',
    '..\\..\\..\\windows\\win.ini',
    'file:///etc/passwd',
    "' OR '1'='1' --",
    '1; DROP TABLE keys',
    '$(touch /tmp/pwned)',
    '`id`',
    '| cat /etc/passwd',
    '%00',
    '\u0000',
    '\r\nX-Injected: 1',
    '__proto__',
    'constructor',
    'toString',
    'https://attacker.example/jwks.json',
    '',
  ]
  for (const kid of hostileKids) {
    add({
      id: `kid ${JSON.stringify(kid)}`,
      group: 'header',
      token: w.token({ signer: attacker, header: { kid } }),
      expect: UNKNOWN_KEY,
      fetches: 1,
    })
  }
  add({
    id: 'kid "/dev/null" with HS256 and an empty key',
    group: 'header',
    token: w.token({ header: { alg: 'HS256', kid: '/dev/null' }, signAlg: 'HS256', signKey: new Uint8Array() }),
    expect: ALG_NOT_ALLOWED,
    fetches: 0,
  })
  const longKid = 'k'.repeat(10 * 1024)
  add({ id: 'kid of 10 KB (default limit)', group: 'header', token: w.token({ header: { kid: longKid } }), expect: TOO_LARGE, fetches: 0 })
  add({
    id: 'kid of 10 KB (64 KB limit)',
    group: 'header',
    token: w.token({ header: { kid: longKid } }),
    expect: UNKNOWN_KEY,
    fetches: 1,
    profile: 'wide',
  })
  for (const [name, kid] of [
    ['number', 1],
    ['null', null],
    ['boolean', true],
    ['object', { kid: rs.kid }],
    ['array', [rs.kid]],
  ] as const) {
    add({ id: `kid of type ${name}`, group: 'header', token: w.token({ header: { kid } }), expect: MALFORMED, fetches: 0 })
  }
  const unsupportedCrit = invalidToken('unsupported critical header')
  for (const [name, header] of [
    ['crit ["exp"]', { crit: ['exp'], exp: now + 60 }],
    ['crit ["http://example.com/x"]', { crit: ['http://example.com/x'], 'http://example.com/x': true }],
    ['crit ["b64"] with b64 false', { crit: ['b64'], b64: false }],
    ['crit ["b64"] with b64 true', { crit: ['b64'], b64: true }],
    ['crit []', { crit: [] }],
    ['crit "exp" (not an array)', { crit: 'exp' }],
  ] as const) {
    const joseKnowsIt = name === 'crit ["b64"] with b64 true'
    add({
      id: `unknown ${name}`,
      group: 'header',
      token: w.token({ header }),
      expect: unsupportedCrit,
      fetches: 0,
      ...(joseKnowsIt
        ? { jose: 'guard-stricter' as const, why: 'jose implements RFC 7797 (b64); the guard understands no extension' }
        : {}),
    })
  }
  const unencoded = invalidToken('unencoded payload not allowed')
  add({
    id: 'b64 false (payload still encoded)',
    group: 'header',
    token: w.token({ header: { b64: false } }),
    expect: unencoded,
    fetches: 0,
    jose: 'guard-stricter',
    why: 'jose honours b64 only when listed in crit; the guard refuses any b64 but true (RFC 7797 changes what is signed)',
  })
  add({
    id: 'b64 "false" (a string)',
    group: 'header',
    token: w.token({ header: { b64: 'false' } }),
    expect: unencoded,
    fetches: 0,
    jose: 'guard-stricter',
    why: 'jose ignores b64 outside crit',
  })
  {
    // RFC 7797 unencoded payload: the signing input carries the raw JSON.
    const header = segment({ alg: 'RS256', kid: rs.kid, b64: false, crit: ['b64'] })
    const raw = JSON.stringify(w.claims())
    const signature = b64u(sign('sha256', Buffer.from(`${header}.${raw}`), rs.key))
    add({ id: 'b64 false with a detached payload', group: 'header', token: `${header}..${signature}`, expect: MALFORMED, fetches: 0 })
  }
  for (const typ of ['dpop+jwt', 'logout+jwt', 'secevent+jwt', 'application/dpop+jwt', 'id_token+jwt', 'JOSE', 'at+jwt; charset=utf-8']) {
    add({
      id: `typ ${typ}`,
      group: 'header',
      token: w.token({ header: { typ } }),
      expect: TYPE_NOT_ALLOWED,
      fetches: 0,
      jose: 'guard-stricter',
      why: 'explicit typing (RFC 8725 §3.11): other token kinds are refused even without strict mode; jose checks typ only when asked',
    })
  }
  add({
    id: 'typ of type number',
    group: 'header',
    token: w.token({ header: { typ: 1 } }),
    expect: TYPE_NOT_ALLOWED,
    fetches: 0,
    jose: 'guard-stricter',
    why: 'jose checks typ only when asked',
  })
  for (const typ of ['JWT', 'jwt', 'application/jwt', undefined, 'dpop+jwt']) {
    add({
      id: `strict: typ ${typ ?? 'absent'}`,
      group: 'header',
      token: w.token({ header: { typ } }),
      expect: TYPE_NOT_ALLOWED,
      fetches: 0,
      profile: 'strict',
    })
  }

  // ---------------------------------------------------------------- structure
  const jweHeader = segment({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: rs.kid })
  const r = (n: number): string => b64u(Buffer.from(randomUUID().repeat(4)).subarray(0, n))
  const encrypted = invalidToken('encrypted tokens are not supported')
  add({
    id: 'JWE (five parts)',
    group: 'structure',
    token: `${jweHeader}.${r(40)}.${r(12)}.${r(40)}.${r(16)}`,
    expect: encrypted,
    fetches: 0,
  })
  add({
    id: 'JWE with dir (empty encrypted key)',
    group: 'structure',
    token: `${segment({ alg: 'dir', enc: 'A128GCM' })}..${r(12)}.${r(40)}.${r(16)}`,
    expect: encrypted,
    fetches: 0,
  })
  const inner = w.token()
  add({
    id: 'nested JWT (payload is a compact JWT, cty JWT)',
    group: 'structure',
    token: craftRaw(segment({ alg: 'RS256', kid: rs.kid, cty: 'JWT' }), b64u(inner), 'RS256', rs.key),
    expect: MALFORMED,
    fetches: 0,
  })
  add({
    id: 'nested JWT (payload is a JSON string)',
    group: 'structure',
    token: craft({ alg: 'RS256', kid: rs.kid, cty: 'JWT' }, JSON.stringify(inner), 'RS256', rs.key),
    expect: MALFORMED,
    fetches: 0,
  })
  add({ id: 'one part', group: 'structure', token: rsHeader, expect: MALFORMED, fetches: 0 })
  add({
    id: 'four parts',
    group: 'structure',
    token: `${rsHeader}.${rsPayload}.${rsSignature}.${rsSignature}`,
    expect: MALFORMED,
    fetches: 0,
  })
  add({ id: 'six parts', group: 'structure', token: `${w.token()}.a.b.c`, expect: MALFORMED, fetches: 0 })
  add({ id: 'empty header segment', group: 'structure', token: `.${rsPayload}.${rsSignature}`, expect: MALFORMED, fetches: 0 })
  add({ id: 'empty payload segment', group: 'structure', token: `${rsHeader}..${rsSignature}`, expect: MALFORMED, fetches: 0 })
  add({
    id: 'standard base64 "+" in header',
    group: 'structure',
    token: `${rsHeader}+.${rsPayload}.${rsSignature}`,
    expect: MALFORMED,
    fetches: 0,
  })
  add({
    id: 'standard base64 "/" in signature',
    group: 'structure',
    token: `${rsHeader}.${rsPayload}.${rsSignature}/`,
    expect: MALFORMED,
    fetches: 0,
  })
  add({
    id: 'padding "==" after the signature',
    group: 'structure',
    token: `${w.token()}==`,
    expect: MALFORMED,
    fetches: 0,
    jose: 'guard-stricter',
    why: 'JWS segments are base64url without padding (RFC 7515 §2); jose decodes padded ones',
  })
  add({
    id: 'padding inside the header segment',
    group: 'structure',
    token: `${rsHeader}=.${rsPayload}.${rsSignature}`,
    expect: BAD_HEADER_SYNTAX,
    fetches: 0,
  })
  add({
    id: 'character outside base64url ("*")',
    group: 'structure',
    token: `${rsHeader}*.${rsPayload}.${rsSignature}`,
    expect: BAD_HEADER_SYNTAX,
    fetches: 0,
  })
  add({
    id: 'space inside the token',
    group: 'structure',
    token: `${rsHeader}.${rsPayload} .${rsSignature}`,
    expect: BAD_HEADER_SYNTAX,
    fetches: 0,
  })
  {
    // A segment of length 4n + 1 is not base64 (RFC 4648 §4): Node's decoder silently drops the last character.
    const dangling = (make: (pad: string) => unknown): string => {
      let encoded = segment(make(''))
      for (let pad = 1; encoded.length % 4 !== 0; pad++) encoded = segment(make('x'.repeat(pad)))
      return `${encoded}Q`
    }
    add({
      id: 'non-canonical base64url: header with a dangling character',
      group: 'structure',
      token: craftRaw(
        dangling((pad) => ({ alg: 'RS256', kid: rs.kid, pad })),
        segment(w.claims()),
        'RS256',
        rs.key,
      ),
      expect: MALFORMED,
      fetches: 0,
    })
    add({
      id: 'non-canonical base64url: payload with a dangling character',
      group: 'structure',
      token: craftRaw(
        segment({ alg: 'RS256', kid: rs.kid }),
        dangling((pad) => w.claims({ pad })),
        'RS256',
        rs.key,
      ),
      expect: MALFORMED,
      fetches: 0,
    })
  }
  for (const [name, header] of [
    ['header not JSON', 'not json'],
    ['header JSON array', '["RS256"]'],
    ['header JSON string', '"RS256"'],
    ['header JSON null', 'null'],
    ['header JSON number', '256'],
    ['header with trailing garbage', `{"alg":"RS256","kid":"${rs.kid}"}x`],
    ['header with a byte-order mark', `\ufeff{"alg":"RS256","kid":"${rs.kid}"}`],
  ] as const) {
    const stricter = name === 'header with a byte-order mark'
    add({
      id: name,
      group: 'structure',
      token: w.token({ header }),
      expect: MALFORMED,
      fetches: 0,
      ...(stricter ? { jose: 'guard-stricter' as const, why: "jose's TextDecoder drops a leading BOM; RFC 8259 §8.1 forbids it" } : {}),
    })
  }
  add({
    id: 'header with invalid UTF-8',
    group: 'structure',
    token: craftRaw(
      b64u(Buffer.concat([Buffer.from(`{"alg":"RS256","kid":"${rs.kid}","x":"`), Buffer.from([0xff, 0xfe]), Buffer.from('"}')])),
      segment(w.claims()),
      'RS256',
      rs.key,
    ),
    expect: MALFORMED,
    fetches: 0,
  })
  add({
    id: 'payload with invalid UTF-8',
    group: 'structure',
    token: craftRaw(
      segment({ alg: 'RS256', kid: rs.kid }),
      b64u(Buffer.concat([Buffer.from(claimsJson('"name":"').slice(0, -1)), Buffer.from([0xc3, 0x28]), Buffer.from('"}')])),
      'RS256',
      rs.key,
    ),
    expect: MALFORMED,
    fetches: 0,
  })
  for (const [name, payload] of [
    ['payload not JSON', 'not json'],
    ['payload JSON array', JSON.stringify([w.claims()])],
    ['payload JSON number', '1700000000'],
    ['payload JSON string', '"claims"'],
    ['payload JSON null', 'null'],
    ['payload JSON true', 'true'],
  ] as const) {
    add({ id: name, group: 'structure', token: w.token({ claims: payload }), expect: MALFORMED, fetches: 0 })
  }
  add({
    id: 'header of 2,000 nested arrays',
    group: 'structure',
    token: w.token({ header: `${'['.repeat(2000)}${']'.repeat(2000)}` }),
    expect: MALFORMED,
    fetches: 0,
  })
  {
    let deep: unknown = 'bottom'
    for (let i = 0; i < 800; i++) deep = { a: deep }
    add({
      id: 'payload with 800 nested objects (signed)',
      group: 'structure',
      token: w.token({ claims: { deep } }),
      expect: 'accept',
      fetches: 1,
    })
  }
  // Duplicate members: JSON.parse keeps the last, as RFC 7515 §5.2 allows; what was signed is what counts.
  const dupHeader = (json: string): string => w.token({ header: json })
  add({
    id: 'duplicate alg: RS256 then none',
    group: 'structure',
    token: dupHeader(`{"alg":"RS256","kid":"${rs.kid}","alg":"none"}`),
    expect: ALG_NOT_ALLOWED,
    fetches: 0,
  })
  add({
    id: 'duplicate alg: RS256 then HS256 (public key as secret)',
    group: 'structure',
    token: w.token({
      header: `{"alg":"RS256","kid":"${rs.kid}","alg":"HS256"}`,
      signAlg: 'HS256',
      signKey: Buffer.from(rs.publicKey.export({ type: 'spki', format: 'pem' }) as string),
    }),
    expect: ALG_NOT_ALLOWED,
    fetches: 0,
  })
  add({
    id: 'duplicate alg: none then RS256 (last wins, properly signed)',
    group: 'structure',
    token: dupHeader(`{"alg":"none","kid":"${rs.kid}","alg":"RS256"}`),
    expect: 'accept',
    fetches: 1,
  })
  add({
    id: 'duplicate kid: issuer then attacker',
    group: 'structure',
    token: w.token({ signer: attacker, header: `{"alg":"RS256","kid":"${rs.kid}","kid":"${attacker.kid}"}` }),
    expect: UNKNOWN_KEY,
    fetches: 1,
  })
  add({
    id: 'duplicate aud: ours then foreign',
    group: 'structure',
    token: w.token({ claims: claimsJson('"aud":"https://other.example"') }),
    expect: invalidToken('unexpected audience'),
    fetches: 1,
  })
  add({
    id: 'duplicate exp: future then past',
    group: 'structure',
    token: w.token({ claims: claimsJson(`"exp":${now - 3600}`) }),
    expect: invalidToken('token expired'),
    fetches: 1,
  })
  add({
    id: 'duplicate exp: past then future (last wins)',
    group: 'structure',
    token: w.token({ claims: `{"exp":${now - 3600},${JSON.stringify(w.claims()).slice(1)}` }),
    expect: 'accept',
    fetches: 1,
  })
  add({
    id: '__proto__ member carrying aud',
    group: 'structure',
    token: w.token({ claims: JSON.stringify({ ...w.claims({ aud: undefined }) }).replace(/}$/, `,"__proto__":{"aud":"${aud}"}}`) }),
    expect: invalidToken('unexpected audience'),
    fetches: 1,
  })
  {
    // Largest accepted token: exactly the limit. One character more is refused before parsing.
    let token = ''
    for (let h = 0; h < 4 && token.length !== 8192; h++) {
      const make = (pad: number): string => w.token({ header: { x: 'h'.repeat(h) }, claims: { pad: 'x'.repeat(pad) } })
      const estimate = Math.floor(((8192 - make(0).length) * 3) / 4)
      for (let pad = estimate - 3; pad <= estimate + 3 && token.length !== 8192; pad++) token = make(pad)
    }
    if (token.length !== 8192) throw new Error('corpus: could not build an 8192-character token')
    add({ id: 'token of exactly 8192 characters', group: 'structure', token, expect: 'accept', fetches: 1 })
  }
  add({
    id: 'token of 8193 characters, garbage inside',
    group: 'structure',
    token: `${'e'.repeat(4000)}.${'!'.repeat(4000)}.${'x'.repeat(191)}`.replace(/!/g, 'A'),
    expect: TOO_LARGE,
    fetches: 0,
  })
  add({
    id: 'token of 64 KB, valid signature',
    group: 'structure',
    token: w.token({ claims: { pad: 'x'.repeat(48_000) } }),
    expect: TOO_LARGE,
    fetches: 0,
    jose: 'guard-stricter',
    why: 'maxTokenLength (default 8192) bounds work before parsing; jose has no size limit',
  })

  // ---------------------------------------------------------------- claims (all properly signed)
  const claim = (id: string, claims: Readonly<Record<string, unknown>> | string, expect: Verdict, extra: Partial<TokenCase> = {}): void =>
    add({ id, group: 'claims', token: w.token({ claims }), expect, fetches: 1, ...extra })
  const raw = (json: string): string => claimsJson(json)
  for (const name of ['exp', 'nbf', 'iat'] as const) {
    const invalid = invalidToken(`invalid ${name} claim`)
    for (const [label, value] of [
      ['numeric string', JSON.stringify(String(now + 60))],
      ['"NaN"', '"NaN"'],
      ['"Infinity"', '"Infinity"'],
      ['null', 'null'],
      ['true', 'true'],
      ['array', `[${now + 60}]`],
      ['object', `{"$date":${now + 60}}`],
    ] as const) {
      claim(`${name} ${label}`, `{${JSON.stringify(w.claims({ [name]: undefined })).slice(1, -1)},"${name}":${value}}`, invalid)
    }
    // JSON numbers that overflow parse as Infinity.
    claim(`${name} 1e400 (parses as Infinity)`, raw(`"${name}":1e400`), invalid, {
      jose: name === 'nbf' ? 'same' : 'guard-stricter',
      ...(name === 'nbf' ? {} : { why: 'jose takes Infinity as a number; the guard requires a finite NumericDate (RFC 7519 §2)' }),
    })
    claim(`${name} -1e400 (parses as -Infinity)`, raw(`"${name}":-1e400`), invalid, {
      jose: name === 'exp' ? 'same' : 'guard-stricter',
      ...(name === 'exp' ? {} : { why: 'jose takes -Infinity as a number; the guard requires a finite NumericDate (RFC 7519 §2)' }),
    })
  }
  const expired = invalidToken('token expired')
  claim('exp 0', { exp: 0 }, expired)
  claim('exp negative', { exp: -1 }, expired)
  claim('exp an hour ago', { exp: now - 3600 }, expired)
  claim('exp exactly at the tolerance (now - 5)', { exp: now - 5 }, expired)
  claim('exp inside the tolerance (now - 4)', { exp: now - 4 }, 'accept')
  claim('exp fractional', { exp: now + 0.5 }, 'accept')
  claim('exp far future (year 9999)', { exp: 253_402_300_799 }, 'accept')
  claim('exp 1e15', { exp: 1e15 }, 'accept')
  claim('exp missing', withoutClaims('exp'), invalidToken('missing required claim: exp'))
  const notYet = invalidToken('token not yet valid')
  claim('nbf an hour ahead', { nbf: now + 3600 }, notYet)
  claim('nbf past the tolerance (now + 6)', { nbf: now + 6 }, notYet)
  claim('nbf at the tolerance (now + 5)', { nbf: now + 5 }, 'accept')
  claim('nbf far past', { nbf: 0 }, 'accept')
  // Policy (like PyJWT): an iat beyond the clock tolerance in the future is refused, with or without a max age.
  claim('iat far future, no max age', { iat: now + 86_400 * 365 }, invalidToken('token issued in the future'), {
    jose: 'guard-stricter',
    why: 'iat in the future beyond clockTolerance (policy; RFC 7519 does not forbid it, PyJWT refuses it too)',
  })
  claim('iat an hour ahead, no max age', { iat: now + 3600 }, invalidToken('token issued in the future'), {
    jose: 'guard-stricter',
    why: 'iat in the future beyond clockTolerance (policy; RFC 7519 does not forbid it, PyJWT refuses it too)',
  })
  claim('iat inside the clock tolerance, no max age', { iat: now + 4 }, 'accept')
  claim('iat far future, max age', { iat: now + 3600 }, invalidToken('token issued in the future'), { profile: 'maxAge' })
  claim('iat an hour ago, max age 300', { iat: now - 3600 }, invalidToken('token too old'), { profile: 'maxAge' })
  claim('iat missing, max age', withoutClaims('iat'), invalidToken('missing required claim: iat'), { profile: 'maxAge' })
  claim('iat within max age', { iat: now - 60 }, 'accept', { profile: 'maxAge' })
  const badAud = invalidToken('unexpected audience')
  claim('aud number', { aud: 42 }, badAud)
  claim('aud empty array', { aud: [] }, badAud)
  claim('aud array without a match', { aud: ['https://other.example', 'https://api.example.test/'] }, badAud)
  claim('aud array with a match', { aud: ['https://other.example', aud] }, 'accept')
  claim('aud array with a match and a number', { aud: [aud, 42] }, badAud, {
    jose: 'guard-stricter',
    why: 'a non-string member makes aud malformed (RFC 7519 §4.1.3); jose only looks for a match',
  })
  claim('aud with a trailing slash', { aud: `${aud}/` }, badAud)
  claim('aud in upper case', { aud: aud.toUpperCase() }, badAud)
  claim('aud null', { aud: null }, badAud)
  claim('aud object', { aud: { aud } }, badAud)
  claim('aud missing', withoutClaims('aud'), badAud)
  const badIss = invalidToken('unexpected issuer')
  claim('iss as an array', { iss: [iss] }, badIss)
  claim('iss with a trailing slash', { iss: `${iss}/` }, badIss)
  claim('iss in upper case', { iss: iss.toUpperCase() }, badIss)
  claim('iss https instead of http', { iss: iss.replace('http:', 'https:') }, badIss)
  claim('iss number', { iss: 1 }, badIss)
  claim('iss missing', withoutClaims('iss'), badIss)
  claim("iss of the attacker's server", { iss: w.attacker.issuer }, badIss)
  for (const name of ['sub', 'jti', 'client_id', 'azp'] as const) {
    claim(`${name} of type number`, { [name]: 42 }, invalidToken(`invalid ${name} claim`), {
      jose: 'guard-stricter',
      why: `${name} must be a string (RFC 7519 §4.1, RFC 9068 §2.2); jose only checks sub when asked`,
    })
  }
  const badScope = invalidToken('invalid scope claim')
  for (const [label, scope] of [
    ['number', 42],
    ['object', { read: true }],
    ['array with a number', ['read:data', 1]],
    ['boolean', true],
  ] as const) {
    claim(`scope ${label}`, { scope }, badScope, { jose: 'guard-stricter', why: 'jose does not read scope' })
  }
  claim('scp number', { scope: undefined, scp: 7 }, badScope, { jose: 'guard-stricter', why: 'jose does not read scp' })
  claim('scope array of strings', { scope: ['read:data'] }, 'accept')
  claim('scope null (treated as absent)', { scope: null }, 'accept')
  claim('strict: client_id missing', withoutClaims('client_id'), invalidToken('missing required claim: client_id'), { profile: 'strict' })
  claim('strict: jti missing', withoutClaims('jti'), invalidToken('missing required claim: jti'), { profile: 'strict' })

  const seen = new Set<string>()
  for (const c of cases) {
    if (seen.has(c.id)) throw new Error(`corpus: duplicate case id ${c.id}`)
    seen.add(c.id)
    if (c.jose === 'guard-stricter' && (c.why === undefined || c.expect === 'accept')) throw new Error(`corpus: ${c.id} needs a why`)
  }
  return cases
}

// ================================================================== transport (RFC 6750 §2, §3)

export interface TransportCase {
  readonly id: string
  /** The request as the core sees it (headers as Node would hand them over, unless the case is about that). */
  readonly request: { method: string; url: string; headers: Record<string, string | string[]>; rawHeaders?: string[]; body?: unknown }
  /** The same request on the wire, for the adapters; absent when HTTP cannot carry it. */
  readonly wire?: { readonly method: string; readonly path: string; readonly lines: readonly string[]; readonly body?: string }
  readonly expect: Verdict
  /** Outcome over real HTTP, when Node's parser normalises the request first (e.g. trims whitespace). */
  readonly wireExpect?: Verdict
  readonly profile?: Partial<GuardOptions>
}

const BARE: Rejection = { status: 401, code: undefined, description: 'bearer token required' }

export function buildTransportCorpus(w: World): TransportCase[] {
  const token = w.token()
  const second = w.token({ claims: { sub: 'second' } })
  const get = (lines: string[], path = '/resource'): Pick<TransportCase, 'request' | 'wire'> => {
    const headers: Record<string, string | string[]> = {}
    const rawHeaders: string[] = []
    for (const line of lines) {
      const at = line.indexOf(':')
      const name = line.slice(0, at)
      const value = line.slice(at + 1).replace(/^[ \t]+|[ \t]+$/g, '')
      rawHeaders.push(name, value)
      const key = name.toLowerCase()
      // Node keeps the first Authorization and joins most other repeated headers.
      if (headers[key] === undefined) headers[key] = value
      else if (key !== 'authorization') headers[key] = `${headers[key]}, ${value}`
    }
    return { request: { method: 'GET', url: path, headers, rawHeaders }, wire: { method: 'GET', path, lines } }
  }
  const form = (lines: string[], body: Record<string, string>, path = '/resource'): Pick<TransportCase, 'request' | 'wire'> => {
    const encoded = new URLSearchParams(body).toString()
    const all = [...lines, 'Content-Type: application/x-www-form-urlencoded']
    const base = get(all, path)
    return { request: { ...base.request, method: 'POST', body }, wire: { method: 'POST', path, lines: all, body: encoded } }
  }
  const core = (headers: Record<string, string | string[]>, rawHeaders?: string[]): Pick<TransportCase, 'request'> => ({
    request: { method: 'GET', url: '/resource', headers, ...(rawHeaders ? { rawHeaders } : {}) },
  })
  const multiple = invalidRequest('multiple authorization headers')
  const cases: TransportCase[] = [
    { id: 'control: Bearer token', ...get([`Authorization: Bearer ${token}`]), expect: 'accept' },
    { id: 'control: lower-case scheme', ...get([`Authorization: bearer ${token}`]), expect: 'accept' },
    { id: 'control: upper-case scheme', ...get([`Authorization: BEARER ${token}`]), expect: 'accept' },
    { id: 'several spaces after the scheme (1*SP)', ...get([`Authorization: Bearer    ${token}`]), expect: 'accept' },
    { id: 'no Authorization header', ...get([]), expect: BARE },
    { id: 'empty Authorization header', ...get(['Authorization: ']), expect: BARE },
    { id: 'Basic credentials', ...get(['Authorization: Basic dXNlcjpwYXNz']), expect: BARE },
    { id: 'DPoP scheme (not enabled)', ...get([`Authorization: DPoP ${token}`, `DPoP: ${token}`]), expect: BARE },
    { id: 'Digest scheme', ...get(['Authorization: Digest username="u", realm="r", nonce="n"']), expect: BARE },
    { id: 'Negotiate scheme', ...get(['Authorization: Negotiate YIIC']), expect: BARE },
    {
      id: 'two Authorization headers, both Bearer',
      ...get([`Authorization: Bearer ${token}`, `Authorization: Bearer ${second}`]),
      expect: multiple,
    },
    {
      id: 'two Authorization headers, Basic then Bearer',
      ...get(['Authorization: Basic dXNlcjpwYXNz', `Authorization: Bearer ${token}`]),
      expect: multiple,
    },
    {
      id: 'two Authorization headers, same token',
      ...get([`Authorization: Bearer ${token}`, `authorization: Bearer ${token}`]),
      expect: multiple,
    },
    { id: 'Authorization as an array (core only)', ...core({ authorization: [`Bearer ${token}`, `Bearer ${second}`] }), expect: multiple },
    {
      id: 'duplicate in rawHeaders only (core only)',
      ...core({ authorization: `Bearer ${token}` }, ['Authorization', `Bearer ${token}`, 'AUTHORIZATION', 'Bearer x']),
      expect: multiple,
    },
    {
      id: 'comma-joined: Basic, Bearer',
      ...get([`Authorization: Basic dXNlcjpwYXNz, Bearer ${token}`]),
      expect: invalidRequest('multiple credentials'),
    },
    { id: 'comma-joined: Bearer, Bearer', ...get([`Authorization: Bearer ${token}, Bearer ${second}`]), expect: BAD_HEADER_SYNTAX },
    { id: 'comma-joined: Bearer, Basic', ...get([`Authorization: Bearer ${token}, Basic dXNlcjpwYXNz`]), expect: BAD_HEADER_SYNTAX },
    { id: 'Bearer with no token', ...get(['Authorization: Bearer']), expect: invalidRequest('missing bearer token') },
    {
      id: 'Bearer followed by spaces only',
      ...core({ authorization: 'Bearer    ' }),
      wire: { method: 'GET', path: '/resource', lines: ['Authorization: Bearer    '] },
      expect: invalidRequest('missing bearer token'),
    },
    { id: 'Bearer with two tokens', ...get([`Authorization: Bearer ${token} ${second}`]), expect: BAD_HEADER_SYNTAX },
    { id: 'tab instead of space', ...get([`Authorization: Bearer\t${token}`]), expect: BAD_HEADER_SYNTAX },
    { id: 'no space after the scheme', ...get([`Authorization: Bearer${token}`]), expect: BARE },
    {
      id: 'trailing space after the token',
      ...core({ authorization: `Bearer ${token} ` }),
      wire: { method: 'GET', path: '/resource', lines: [`Authorization: Bearer ${token} `] },
      expect: BAD_HEADER_SYNTAX,
      wireExpect: 'accept',
    },
    {
      id: 'leading space before the scheme',
      ...core({ authorization: ` Bearer ${token}` }),
      wire: { method: 'GET', path: '/resource', lines: [`Authorization:  Bearer ${token}`] },
      expect: invalidRequest('multiple credentials'),
      wireExpect: 'accept',
    },
    { id: 'token with a quote', ...get([`Authorization: Bearer "${token}"`]), expect: BAD_HEADER_SYNTAX },
    { id: 'Bearer token="..." (auth-param form)', ...get([`Authorization: Bearer token="${token}"`]), expect: BAD_HEADER_SYNTAX },
    {
      id: 'CR LF inside the header value (core only)',
      ...core({ authorization: `Bearer ${token}\r\nX-Injected: 1` }),
      expect: BAD_HEADER_SYNTAX,
    },
    { id: 'non-ASCII in the token', ...get([`Authorization: Bearer ${token}\u00e9`]), expect: BAD_HEADER_SYNTAX },
    { id: 'token in the query, query not enabled', ...get([], `/resource?access_token=${token}`), expect: BARE },
    { id: 'token in a form body, body not enabled', ...form([], { access_token: token }), expect: BARE },
    {
      id: 'header plus query, query not enabled (query ignored)',
      ...get([`Authorization: Bearer ${token}`], `/resource?access_token=junk`),
      expect: 'accept',
    },
    {
      id: 'header plus query, query enabled',
      ...get([`Authorization: Bearer ${token}`], `/resource?access_token=${token}`),
      expect: invalidRequest('token sent in more than one place'),
      profile: { tokenLocations: ['header', 'query'] },
    },
    {
      id: 'two query tokens, query enabled',
      ...get([], `/resource?access_token=${token}&access_token=${second}`),
      expect: invalidRequest('multiple access_token parameters'),
      profile: { tokenLocations: ['header', 'query'] },
    },
    {
      id: 'control: query token, query enabled',
      ...get([], `/resource?access_token=${token}`),
      expect: 'accept',
      profile: { tokenLocations: ['header', 'query'] },
    },
    { id: 'token of 9000 characters in the header', ...get([`Authorization: Bearer ${'a'.repeat(9000)}`]), expect: TOO_LARGE },
  ]
  return cases
}
