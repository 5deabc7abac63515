/**
 * JWK thumbprint (RFC 7638 §3) of a public key: SHA-256 over the required members only, in lexicographic
 * order, no whitespace. The `cnf.jkt` of a DPoP-bound token (RFC 9449 §6.1) is this value, base64url.
 */
import { createHash } from 'node:crypto'

/** The members RFC 7638 §3.2 hashes for each key type, already in lexicographic order. */
export const THUMBPRINT_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
  RSA: ['e', 'kty', 'n'],
}

/**
 * Thumbprint of `jwk`, or `undefined` when its `kty` is unknown or a required member is not a string.
 * JSON.stringify escapes exactly as RFC 7638 §3.3 asks for the base64url and short-name values it meets.
 */
export function jwkThumbprint(jwk: Readonly<Record<string, unknown>>): string | undefined {
  const members = typeof jwk.kty === 'string' ? THUMBPRINT_MEMBERS[jwk.kty] : undefined
  if (members === undefined || !Object.hasOwn(THUMBPRINT_MEMBERS, jwk.kty as string)) return undefined
  const canonical: Record<string, string> = {}
  for (const name of members) {
    const value = jwk[name]
    if (typeof value !== 'string') return undefined
    canonical[name] = value
  }
  return createHash('sha256').update(JSON.stringify(canonical)).digest('base64url')
}
