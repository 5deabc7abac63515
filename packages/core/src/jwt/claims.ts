/**
 * Registered-claim checks (RFC 7519 §4.1, RFC 9068 §4). Runs after the signature check, and the time
 * checks run again on every verified-token cache hit.
 */
import type { ClaimPolicy } from '../claim-policy.js'
import { InvalidTokenError } from '../errors.js'
import type { JsonValue } from '../types.js'

export interface ClaimRules {
  /** Accepted `iss` values, exact match. */
  readonly issuers: ReadonlySet<string>
  /** Accepted `aud` values; one match suffices (RFC 7519 §4.1.3). */
  readonly audiences: ReadonlySet<string>
  readonly clockToleranceSeconds: number
  readonly maxTokenAgeSeconds: number | undefined
  /** Claims that must be present (always includes `exp`, plus `iat` when a max age is set). */
  readonly requiredClaims: readonly string[]
  /** Provider claim rules; with `replacesAudience` its check stands in for the `aud` check. */
  readonly policy?: ClaimPolicy
}

export interface TimeClaims {
  readonly exp: number | undefined
  readonly nbf: number | undefined
  readonly iat: number | undefined
}

type Claims = Readonly<Record<string, JsonValue>>

function isNumericDate(value: JsonValue | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value)
}

function optionalString(claims: Claims, name: string): void {
  const value = claims[name]
  if (value !== undefined && typeof value !== 'string') throw new InvalidTokenError(`invalid ${name} claim`)
}

/** Type-checks the time claims once; the result is what the token cache re-checks. */
export function readTimeClaims(claims: Claims): TimeClaims {
  const { exp, nbf, iat } = claims
  if (exp !== undefined && !isNumericDate(exp)) throw new InvalidTokenError('invalid exp claim')
  if (nbf !== undefined && !isNumericDate(nbf)) throw new InvalidTokenError('invalid nbf claim')
  if (iat !== undefined && !isNumericDate(iat)) throw new InvalidTokenError('invalid iat claim')
  return { exp, nbf, iat }
}

/** `exp`, `nbf` and `maxTokenAge`, with the clock tolerance applied to each (RFC 7519 §4.1.4-5). */
export function checkTimeClaims(time: TimeClaims, rules: ClaimRules, nowSeconds: number): void {
  const tolerance = rules.clockToleranceSeconds
  if (time.exp !== undefined && nowSeconds - tolerance >= time.exp) throw new InvalidTokenError('token expired')
  if (time.nbf !== undefined && nowSeconds + tolerance < time.nbf) throw new InvalidTokenError('token not yet valid')
  if (rules.maxTokenAgeSeconds !== undefined && time.iat !== undefined) {
    if (time.iat - tolerance > nowSeconds) throw new InvalidTokenError('token issued in the future')
    if (nowSeconds - time.iat - tolerance > rules.maxTokenAgeSeconds) throw new InvalidTokenError('token too old')
  }
}

/** Everything but time: presence, types, issuer, audience. */
export function checkStaticClaims(claims: Claims, rules: ClaimRules): void {
  for (const name of rules.requiredClaims) {
    if (claims[name] === undefined) throw new InvalidTokenError(`missing required claim: ${name}`)
  }
  const { iss, aud } = claims
  if (typeof iss !== 'string' || !rules.issuers.has(iss)) {
    throw new InvalidTokenError('unexpected issuer', { cause: new Error(`iss ${describe(iss)} is not an accepted issuer`) })
  }
  if (rules.policy?.replacesAudience !== true && !audienceMatches(aud, rules.audiences)) {
    throw new InvalidTokenError('unexpected audience', { cause: new Error(`aud ${describe(aud)} names no accepted audience`) })
  }
  rules.policy?.check?.(claims)
  optionalString(claims, 'sub')
  optionalString(claims, 'jti')
  optionalString(claims, 'client_id')
  optionalString(claims, 'azp')
  // A sender-constrained token (DPoP, RFC 9449 §7.2; mTLS, RFC 8705 §3) presented as a plain bearer token
  // is a downgrade: we cannot check the proof of possession, so it must not pass.
  const { cnf } = claims
  if (cnf !== undefined) {
    if (typeof cnf !== 'object' || cnf === null || Array.isArray(cnf)) throw new InvalidTokenError('invalid cnf claim')
    if (cnf.jkt !== undefined || cnf['x5t#S256'] !== undefined) throw new InvalidTokenError('sender-constrained token sent as bearer')
  }
}

/** A bounded rendering of a hostile claim value, for server-side causes only. */
function describe(value: JsonValue | undefined): string {
  if (value === undefined) return '(absent)'
  const text = JSON.stringify(value)
  return text.length > 120 ? `${text.slice(0, 120)}…` : text
}

function audienceMatches(aud: JsonValue | undefined, accepted: ReadonlySet<string>): boolean {
  if (typeof aud === 'string') return accepted.has(aud)
  if (!Array.isArray(aud) || aud.length === 0) return false
  let match = false
  for (const value of aud) {
    // A non-string member makes the whole claim malformed, even beside a matching one.
    if (typeof value !== 'string') return false
    if (accepted.has(value)) match = true
  }
  return match
}
