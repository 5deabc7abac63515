/**
 * Turns one untrusted JWK into verification keys, or into nothing. A bad entry is skipped, never fatal
 * to the set (RFC 7517 §5). jose imports the key material; this module decides which algorithms the key
 * may serve: the JWK's own `alg` if it has one, else every allowed algorithm its `kty`/`crv` fits.
 */
import { KeyObject } from 'node:crypto'
import { importJWK, type JWK } from 'jose'
import { ALGORITHMS, type Algorithm, MIN_RSA_MODULUS_BITS } from '../jwt/algorithms.js'
import { bindKey, type VerificationKey } from '../jwt/signature.js'

export interface KeyRecord {
  readonly kid: string | undefined
  /** The key bound to each algorithm it may verify. */
  readonly byAlgorithm: ReadonlyMap<Algorithm, VerificationKey>
  /** Identity of the public key material, to keep records (and cached verifications) across refreshes. */
  readonly fingerprint: string
  /** Set when a refresh no longer lists this key: cached verifications made with it are dropped. */
  removed: boolean
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const
const PUBLIC_MEMBERS = ['kty', 'crv', 'n', 'e', 'x', 'y'] as const

export type SkipReason = string

export function fingerprintOf(jwk: Record<string, unknown>): string {
  return JSON.stringify([jwk.kid, jwk.alg, jwk.use, ...PUBLIC_MEMBERS.map((m) => jwk[m])])
}

/** Algorithms from `allowed` this JWK may be used with, or a reason to skip it. */
export function algorithmsFor(jwk: Record<string, unknown>, allowed: readonly Algorithm[]): Algorithm[] | SkipReason {
  if (typeof jwk.kty !== 'string') return 'missing kty'
  if (jwk.kty === 'oct') return 'symmetric keys are never taken from a JWKS'
  if (PRIVATE_MEMBERS.some((m) => jwk[m] !== undefined)) return 'contains private key members'
  if (jwk.use !== undefined && jwk.use !== 'sig') return 'use is not sig'
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify'))) return 'key_ops lacks verify'
  if (jwk.kid !== undefined && typeof jwk.kid !== 'string') return 'kid is not a string'
  if (jwk.alg !== undefined && typeof jwk.alg !== 'string') return 'alg is not a string'
  const fits = allowed.filter((alg) => {
    const spec = ALGORITHMS[alg]
    return spec.kty === jwk.kty && (spec.crv === undefined || spec.crv === jwk.crv) && (jwk.alg === undefined || jwk.alg === alg)
  })
  return fits.length > 0 ? fits : 'no allowed algorithm fits the key'
}

export async function importKeyRecord(jwk: Record<string, unknown>, allowed: readonly Algorithm[]): Promise<KeyRecord | SkipReason> {
  const algorithms = algorithmsFor(jwk, allowed)
  if (typeof algorithms === 'string') return algorithms
  const publicJwk: JWK = {}
  for (const member of PUBLIC_MEMBERS) {
    const value = jwk[member]
    if (value !== undefined) {
      if (typeof value !== 'string') return `${member} is not a string`
      publicJwk[member] = value
    }
  }
  let keyObject: KeyObject
  try {
    const imported = await importJWK(publicJwk, algorithms[0])
    if (imported instanceof Uint8Array) return 'not an asymmetric key'
    keyObject = KeyObject.from(imported)
  } catch {
    return 'key material rejected'
  }
  if (jwk.kty === 'RSA' && (keyObject.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_MODULUS_BITS) {
    return `RSA key shorter than ${MIN_RSA_MODULUS_BITS} bits`
  }
  const byAlgorithm = new Map<Algorithm, VerificationKey>()
  for (const alg of algorithms) byAlgorithm.set(alg, bindKey(alg, keyObject))
  return { kid: jwk.kid as string | undefined, byAlgorithm, fingerprint: fingerprintOf(jwk), removed: false }
}
