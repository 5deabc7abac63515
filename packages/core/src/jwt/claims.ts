/**
 * Registered-claim checks (RFC 7519 §4.1, RFC 9068 §4). Runs after the signature check, and the time
 * checks run again on every verified-token cache hit.
 */
import type { ClaimPolicy } from '../claim-policy.js'
import { InvalidTokenError } from '../errors.js'
import { rejection } from '../rejection.js'
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
  /** `cnf` members that do not make a token sender-constrained here (`ignoredConfirmationMethods`). */
  readonly ignoredConfirmationMethods: ReadonlySet<string>
  /** DPoP is on: a `cnf.jkt` binding passes here; the guard then demands the proof (RFC 9449 §7). */
  readonly dpop?: boolean
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

function invalidClaim(claim: string, actual: JsonValue | undefined): InvalidTokenError {
  return new InvalidTokenError(`invalid ${claim} claim`, { cause: rejection('claim_invalid', { claim, actual }) })
}

function optionalString(claims: Claims, name: string): void {
  const value = claims[name]
  if (value !== undefined && typeof value !== 'string') throw invalidClaim(name, value)
}

/** Type-checks the time claims once; the result is what the token cache re-checks. */
export function readTimeClaims(claims: Claims): TimeClaims {
  const { exp, nbf, iat } = claims
  if (exp !== undefined && !isNumericDate(exp)) throw invalidClaim('exp', exp)
  if (nbf !== undefined && !isNumericDate(nbf)) throw invalidClaim('nbf', nbf)
  if (iat !== undefined && !isNumericDate(iat)) throw invalidClaim('iat', iat)
  return { exp, nbf, iat }
}

/**
 * `exp`, `nbf`, `iat` and `maxTokenAge`, with the clock tolerance applied to each (RFC 7519 §4.1.4-6).
 * An `iat` in the future beyond the tolerance is refused whether or not `maxTokenAge` is set: RFC 7519
 * does not forbid it, but such a token comes from a broken clock at the authorization server or was
 * minted ahead of time, and would outlive a `maxTokenAge` measured from it (PyJWT refuses it too).
 */
export function checkTimeClaims(time: TimeClaims, rules: ClaimRules, nowSeconds: number): void {
  const tolerance = rules.clockToleranceSeconds
  const { exp, nbf, iat } = time
  if (exp !== undefined && nowSeconds - tolerance >= exp) {
    throw new InvalidTokenError('token expired', { cause: rejection('token_expired', { exp, now: nowSeconds, clockTolerance: tolerance }) })
  }
  if (nbf !== undefined && nowSeconds + tolerance < nbf) {
    throw new InvalidTokenError('token not yet valid', {
      cause: rejection('token_not_yet_valid', { nbf, now: nowSeconds, clockTolerance: tolerance }),
    })
  }
  if (iat !== undefined) {
    if (iat - tolerance > nowSeconds) {
      throw new InvalidTokenError('token issued in the future', {
        cause: rejection('token_issued_in_future', { iat, now: nowSeconds, clockTolerance: tolerance }),
      })
    }
    const maxTokenAge = rules.maxTokenAgeSeconds
    if (maxTokenAge !== undefined && nowSeconds - iat - tolerance > maxTokenAge) {
      throw new InvalidTokenError('token too old', { cause: rejection('token_too_old', { iat, now: nowSeconds, maxTokenAge }) })
    }
  }
}

/** Everything but time: presence, types, issuer, audience. */
export function checkStaticClaims(claims: Claims, rules: ClaimRules): void {
  for (const name of rules.requiredClaims) {
    if (claims[name] === undefined) {
      throw new InvalidTokenError(`missing required claim: ${name}`, { cause: rejection('claim_missing', { claim: name }) })
    }
  }
  const { iss, aud } = claims
  if (typeof iss !== 'string' || !rules.issuers.has(iss)) throw unexpectedIssuer(iss, rules)
  // A provider policy may replace the audience check with an equivalent one (Cognito's client_id), never drop it.
  if (rules.policy?.replacesAudience !== true && !audienceMatches(aud, rules.audiences)) {
    throw new InvalidTokenError('unexpected audience', {
      cause: rejection('audience_mismatch', { expected: [...rules.audiences], actual: aud }),
    })
  }
  rules.policy?.check?.(claims)
  optionalString(claims, 'sub')
  optionalString(claims, 'jti')
  optionalString(claims, 'client_id')
  optionalString(claims, 'azp')
  // A sender-constrained token (DPoP, RFC 9449 §7.2; mTLS, RFC 8705 §3) presented as a plain bearer token
  // is a downgrade: we cannot check the proof of possession, so it must not pass.
  // The same holds for every RFC 7800 confirmation method (`jwk`, `jku`, `kid`, ...) and any member we do not
  // know: unless the user lists it in `ignoredConfirmationMethods`, a key binding we cannot check refuses.
  const { cnf } = claims
  if (cnf !== undefined) {
    if (typeof cnf !== 'object' || cnf === null || Array.isArray(cnf)) throw invalidClaim('cnf', cnf)
    // With DPoP on, `jkt` is checked by the proof the guard then demands (RFC 9449 §7).
    const unchecked = Object.keys(cnf).filter((m) => !rules.ignoredConfirmationMethods.has(m) && !(m === 'jkt' && rules.dpop === true))
    if (unchecked.length > 0) {
      throw new InvalidTokenError('sender-constrained token sent as bearer', {
        cause: rejection('sender_constrained_token', { methods: unchecked }),
      })
    }
    if (cnf.jkt !== undefined && (typeof cnf.jkt !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(cnf.jkt))) throw invalidClaim('cnf', cnf)
  }
}

/** 401 for an `iss` that is not configured; also used before key lookup in discovery mode. */
export function unexpectedIssuer(iss: JsonValue | undefined, rules: Pick<ClaimRules, 'issuers'>): InvalidTokenError {
  return new InvalidTokenError('unexpected issuer', { cause: rejection('issuer_mismatch', { expected: [...rules.issuers], actual: iss }) })
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
