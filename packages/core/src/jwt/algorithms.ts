/**
 * The JWS algorithms the guard can verify (RFC 7518 §3, RFC 8037, RFC 9864) and what each demands of a key.
 * This table, not the token and not the key's text, decides how a signature is checked (RFC 8725 §3.1).
 */
import { constants } from 'node:crypto'

/** JWS algorithms verified with a public key from the JWKS (RFC 7518, RFC 8037): RSA, RSA-PSS, ECDSA, EdDSA. */
export type AsymmetricAlgorithm =
  | 'RS256'
  | 'RS384'
  | 'RS512'
  | 'PS256'
  | 'PS384'
  | 'PS512'
  | 'ES256'
  | 'ES384'
  | 'ES512'
  | 'EdDSA'
  | 'Ed25519'
/** HMAC algorithms, accepted only when the guard has a `secret` (never with a JWKS). */
export type SymmetricAlgorithm = 'HS256' | 'HS384' | 'HS512'
/** Every algorithm a guard can be allowed to accept (`none` is not one of them). */
export type Algorithm = AsymmetricAlgorithm | SymmetricAlgorithm

export interface AlgorithmSpec {
  readonly kty: 'RSA' | 'EC' | 'OKP' | 'oct'
  /** Node digest name; `null` for EdDSA, which hashes internally. */
  readonly hash: 'sha256' | 'sha384' | 'sha512' | null
  /** JWK `crv` the key must have (EC and OKP). */
  readonly crv?: string
  /** RSASSA-PSS padding with salt length equal to the digest length (RFC 7518 §3.5). */
  readonly pss?: boolean
  /** Minimum secret length in bytes for HMAC (RFC 7518 §3.2: at least the hash output). */
  readonly minSecretBytes?: number
}

export const ALGORITHMS: Readonly<Record<Algorithm, AlgorithmSpec>> = {
  RS256: { kty: 'RSA', hash: 'sha256' },
  RS384: { kty: 'RSA', hash: 'sha384' },
  RS512: { kty: 'RSA', hash: 'sha512' },
  PS256: { kty: 'RSA', hash: 'sha256', pss: true },
  PS384: { kty: 'RSA', hash: 'sha384', pss: true },
  PS512: { kty: 'RSA', hash: 'sha512', pss: true },
  ES256: { kty: 'EC', hash: 'sha256', crv: 'P-256' },
  ES384: { kty: 'EC', hash: 'sha384', crv: 'P-384' },
  ES512: { kty: 'EC', hash: 'sha512', crv: 'P-521' },
  EdDSA: { kty: 'OKP', hash: null, crv: 'Ed25519' },
  Ed25519: { kty: 'OKP', hash: null, crv: 'Ed25519' },
  HS256: { kty: 'oct', hash: 'sha256', minSecretBytes: 32 },
  HS384: { kty: 'oct', hash: 'sha384', minSecretBytes: 48 },
  HS512: { kty: 'oct', hash: 'sha512', minSecretBytes: 64 },
}

/** Default allow-list: every asymmetric algorithm above. `none` is not in the table and never can be. */
export const DEFAULT_ASYMMETRIC_ALGORITHMS: readonly AsymmetricAlgorithm[] = [
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
export const DEFAULT_SYMMETRIC_ALGORITHMS: readonly SymmetricAlgorithm[] = ['HS256', 'HS384', 'HS512']

/** RSA keys below this are refused (RFC 7518 §3.3, §3.5). */
export const MIN_RSA_MODULUS_BITS = 2048

export function isAlgorithm(value: unknown): value is Algorithm {
  return typeof value === 'string' && Object.hasOwn(ALGORITHMS, value)
}

export function isSymmetric(alg: Algorithm): alg is SymmetricAlgorithm {
  return ALGORITHMS[alg].kty === 'oct'
}

export const PSS_PADDING = constants.RSA_PKCS1_PSS_PADDING
export const PSS_SALT_DIGEST = constants.RSA_PSS_SALTLEN_DIGEST
