/**
 * JOSE header checks made before any key is looked up (RFC 8725 §3.1, §3.11; RFC 7515 §4.1.11; RFC 9068 §4).
 * `jku`, `x5u`, `x5c` and `jwk` are never read: keys come only from the configured JWKS or secret.
 */
import { InvalidTokenError } from '../errors.js'
import { rejection } from '../rejection.js'
import type { JsonValue } from '../types.js'
import type { Algorithm } from './algorithms.js'

export interface HeaderRules {
  readonly algorithms: ReadonlySet<Algorithm>
  readonly strict: boolean
}

const ACCESS_TOKEN_TYPES = new Set(['at+jwt', 'application/at+jwt'])
const COMPAT_TYPES = new Set(['jwt', 'application/jwt', 'at+jwt', 'application/at+jwt'])

export interface CheckedHeader {
  readonly alg: Algorithm
  readonly kid: string | undefined
}

export function checkHeader(header: Readonly<Record<string, JsonValue>>, rules: HeaderRules): CheckedHeader {
  const { alg, kid, typ } = header
  if (typeof alg !== 'string' || !rules.algorithms.has(alg as Algorithm)) {
    const allowed = [...rules.algorithms]
    throw new InvalidTokenError('algorithm not allowed', { cause: rejection('algorithm_not_allowed', { allowed }, header) })
  }
  // We understand no JWS extension, so any `crit` must be refused; `b64: false` would change what was signed.
  if (header.crit !== undefined) {
    throw new InvalidTokenError('unsupported critical header', { cause: rejection('critical_header', {}, header) })
  }
  if (header.b64 !== undefined && header.b64 !== true) {
    throw new InvalidTokenError('unencoded payload not allowed', { cause: rejection('unencoded_payload', {}, header) })
  }
  if (kid !== undefined && typeof kid !== 'string') {
    throw new InvalidTokenError('malformed token', { cause: rejection('malformed_token', { detail: 'kid is not a string' }, header) })
  }
  const type = typeof typ === 'string' ? typ.toLowerCase() : typ
  if (
    (typ !== undefined && typeof typ !== 'string') ||
    (rules.strict ? type === undefined || !ACCESS_TOKEN_TYPES.has(type as string) : type !== undefined && !COMPAT_TYPES.has(type as string))
  ) {
    throw new InvalidTokenError('token type not allowed', {
      cause: rejection('token_type_not_allowed', { typ, strict: rules.strict }, header),
    })
  }
  return { alg: alg as Algorithm, kid }
}
