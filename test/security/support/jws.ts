/**
 * Hand-crafting compact JWS for hostile tests. Signing goes straight to node:crypto (no jose SignJWT), so
 * headers and payloads can be anything, including what no well-behaved library would produce, and so
 * load tests can mint hundreds of thousands of tokens cheaply. Base64url is Node's own codec.
 */
import { createHmac, type KeyObject, constants as nodeCrypto, sign } from 'node:crypto'

export type SignAlg =
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
  | 'HS256'
  | 'HS384'
  | 'HS512'

export const b64u = (value: string | Uint8Array): string => Buffer.from(value).toString('base64url')

/** A JSON value as a base64url segment. Strings are taken as the raw JSON text (for duplicate members etc.). */
export const segment = (value: unknown): string => b64u(typeof value === 'string' ? value : JSON.stringify(value))

const HASH: Record<string, string> = { '256': 'sha256', '384': 'sha384', '512': 'sha512' }

/**
 * Signs `signingInput` the way `alg` prescribes (RFC 7518 §3). The caller chooses the key: deliberately
 * wrong pairings (HS256 keyed with a public key PEM, RS-signed bytes under an ES label) are the point.
 */
export function signBytes(alg: SignAlg, signingInput: string, key: KeyObject | Uint8Array | string): Buffer {
  const data = Buffer.from(signingInput, 'latin1')
  const hash = HASH[alg.slice(-3)] ?? 'sha512'
  if (alg.startsWith('HS'))
    return createHmac(hash, key as Uint8Array)
      .update(data)
      .digest()
  const k = key as KeyObject
  if (alg === 'EdDSA' || alg === 'Ed25519') return sign(null, data, k)
  if (alg.startsWith('ES')) return sign(hash, data, { key: k, dsaEncoding: 'ieee-p1363' })
  if (alg.startsWith('PS'))
    return sign(hash, data, { key: k, padding: nodeCrypto.RSA_PKCS1_PSS_PADDING, saltLength: nodeCrypto.RSA_PSS_SALTLEN_DIGEST })
  return sign(hash, data, k)
}

/** `header.payload.signature`, each part given as an object (JSON-encoded) or as raw JSON text. */
export function craft(header: unknown, payload: unknown, alg: SignAlg, key: KeyObject | Uint8Array | string): string {
  const input = `${segment(header)}.${segment(payload)}`
  return `${input}.${b64u(signBytes(alg, input, key))}`
}

/** Signs pre-encoded segments as they are (for non-canonical encodings). */
export function craftRaw(headerPart: string, payloadPart: string, alg: SignAlg, key: KeyObject | Uint8Array | string): string {
  const input = `${headerPart}.${payloadPart}`
  return `${input}.${b64u(signBytes(alg, input, key))}`
}

export function parts(token: string): [string, string, string] {
  const [h = '', p = '', s = ''] = token.split('.')
  return [h, p, s]
}
