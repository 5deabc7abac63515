/**
 * Provider-specific claim rules: which claim names the client, which claims must hold given values
 * (Keycloak `typ: Bearer`, Entra `tid`), and the check that replaces the audience check for providers
 * whose access tokens carry no `aud` (Cognito, `audience: { replacedBy }`). Validated once at startup; the compiled check runs with the
 * other static claim checks, on JWT claims and on introspection responses alike.
 */

import { InvalidTokenError } from './errors.js'
import { rejection } from './rejection.js'
import type { JsonValue } from './types.js'

/** Claim name → accepted value(s). A claim holding an array passes when one of its strings is accepted. */
export type ClaimValueRules = Readonly<Record<string, string | readonly string[]>>

/**
 * `audience: { replacedBy }`: the check standing in for `aud` when a provider's access tokens carry none.
 * Every listed claim must hold an accepted value. It replaces the audience check, it never skips it: an
 * empty rule set is refused at startup.
 */
export interface AudienceReplacement {
  readonly replacedBy: ClaimValueRules
}

/** True for the `{ replacedBy }` form of `audience` (whatever `replacedBy` holds: it is validated later). */
export function isAudienceReplacement(value: unknown): value is AudienceReplacement {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export interface ClaimPolicyOptions {
  readonly clientIdClaim?: unknown
  readonly claimValues?: unknown
  readonly audienceReplacement?: unknown
}

export interface ClaimPolicy {
  /** Claims read, in order, for `AuthInfo.clientId`. */
  readonly clientIdClaims: readonly string[]
  /** True when the user named the client claim: then a token without it is refused. */
  readonly clientIdRequired: boolean
  /** True when `audience: { replacedBy }` replaces the `aud` check. */
  readonly replacesAudience: boolean
  /** Throws {@link InvalidTokenError} when a claim rule fails; undefined when there are no rules. */
  readonly check: ((claims: Readonly<Record<string, JsonValue>>) => void) | undefined
  /** Reads the client id, or undefined. */
  readonly clientId: (claims: Readonly<Record<string, JsonValue>>) => string | undefined
}

const DEFAULT_CLIENT_ID_CLAIMS = ['client_id', 'azp'] as const

function fail(option: string, expectation: string): never {
  throw new TypeError(`createGuard: "${option}" ${expectation}`)
}

function compileRules(value: unknown, option: string): Array<readonly [string, ReadonlySet<string>]> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail(option, 'must be an object of claim name → accepted value(s)')
  const entries = Object.entries(value as Record<string, unknown>)
  if (entries.length === 0) fail(option, 'must name at least one claim')
  return entries.map(([claim, accepted]) => {
    const list = typeof accepted === 'string' ? [accepted] : accepted
    if (claim === '' || !Array.isArray(list) || list.length === 0 || list.some((v) => typeof v !== 'string' || v === '')) {
      fail(`${option}.${claim}`, 'must be a non-empty string or array of non-empty strings')
    }
    return [claim, new Set(list as string[])] as const
  })
}

function matches(value: JsonValue | undefined, accepted: ReadonlySet<string>): boolean {
  if (typeof value === 'string') return accepted.has(value)
  // An array passes on one accepted string, but any non-string member makes it malformed (as for `aud`).
  if (!Array.isArray(value) || value.length === 0) return false
  let match = false
  for (const item of value) {
    if (typeof item !== 'string') return false
    if (accepted.has(item)) match = true
  }
  return match
}

export function resolveClaimPolicy(options: ClaimPolicyOptions): ClaimPolicy {
  let clientIdClaims: readonly string[] = DEFAULT_CLIENT_ID_CLAIMS
  const named = options.clientIdClaim
  if (named !== undefined) {
    const list = typeof named === 'string' ? [named] : named
    if (!Array.isArray(list) || list.length === 0 || list.some((c) => typeof c !== 'string' || c === '')) {
      fail('clientIdClaim', 'must be a non-empty string or array of strings')
    }
    clientIdClaims = [...new Set(list as string[])]
  }
  const clientIdRequired = named !== undefined
  // The replacement runs first: it stands in for the audience check, which comes right after the issuer check.
  const rules = [
    ...(options.audienceReplacement === undefined ? [] : compileRules(options.audienceReplacement, 'audience.replacedBy')),
    ...(options.claimValues === undefined ? [] : compileRules(options.claimValues, 'claimValues')),
  ]

  const clientId = (claims: Readonly<Record<string, JsonValue>>): string | undefined => {
    for (const name of clientIdClaims) {
      const value = claims[name]
      if (typeof value === 'string') return value
    }
    return undefined
  }

  const check =
    rules.length === 0 && !clientIdRequired
      ? undefined
      : (claims: Readonly<Record<string, JsonValue>>): void => {
          for (const [claim, accepted] of rules) {
            const value = Object.hasOwn(claims, claim) ? claims[claim] : undefined
            if (!matches(value, accepted)) {
              throw new InvalidTokenError(`unexpected ${claim}`, {
                cause: rejection('claim_value_mismatch', { claim, actual: value, expected: [...accepted] }),
              })
            }
          }
          if (clientIdRequired && clientId(claims) === undefined) {
            throw new InvalidTokenError('missing client id', {
              // Often an ID token presented as an access token.
              cause: rejection('client_id_missing', { claims: clientIdClaims }),
            })
          }
        }

  return { clientIdClaims, clientIdRequired, replacesAudience: options.audienceReplacement !== undefined, check, clientId }
}
