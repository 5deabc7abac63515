/**
 * Synchronous signature verification with keys imported once as `KeyObject`s.
 *
 * Why not `jose.jwtVerify` per request: jose's Node build verifies through WebCrypto, which is
 * asynchronous per call and about 5x slower sequentially than `crypto.verify` on the same key (measured in
 * `pnpm bench`). jose still imports every key (`importJWK`, see `jwks/import-key.ts`); here only the final
 * primitive call is made directly, with parameters fixed by the algorithm table, never by the token. The
 * security corpus runs every case through this path and through `jose.jwtVerify` and requires the same
 * verdict (`test/security/differential.test.ts`).
 */
import { createHmac, type KeyObject, timingSafeEqual, verify } from 'node:crypto'
import { ALGORITHMS, type Algorithm, PSS_PADDING, PSS_SALT_DIGEST } from './algorithms.js'

/** A key bound to exactly one algorithm (RFC 8725 §3.1), ready for the hot path. */
export interface VerificationKey {
  readonly alg: Algorithm
  readonly verify: (signingInput: Buffer, signature: Buffer) => boolean
}

export function bindKey(alg: Algorithm, key: KeyObject): VerificationKey {
  const spec = ALGORITHMS[alg]
  if (spec.kty === 'oct') {
    const hash = spec.hash as string
    return {
      alg,
      verify: (input, signature) => {
        const expected = createHmac(hash, key).update(input).digest()
        return expected.length === signature.length && timingSafeEqual(expected, signature)
      },
    }
  }
  const params =
    spec.kty === 'EC'
      ? { key, dsaEncoding: 'ieee-p1363' as const }
      : spec.pss
        ? { key, padding: PSS_PADDING, saltLength: PSS_SALT_DIGEST }
        : key
  // ECDSA signatures in JWS are the fixed-length concatenation R || S (RFC 7518 §3.4). RSA signatures are
  // exactly the modulus length (RFC 8017 §8.1.2 and §8.2.2, step 1): OpenSSL also accepts one with its
  // leading zero bytes removed, which would give one token several spellings.
  const fixedLength =
    spec.kty === 'RSA'
      ? Math.ceil((key.asymmetricKeyDetails?.modulusLength ?? 0) / 8)
      : spec.crv === 'P-256'
        ? 64
        : spec.crv === 'P-384'
          ? 96
          : spec.crv === 'P-521'
            ? 132
            : 0
  return {
    alg,
    verify: (input, signature) => {
      if (fixedLength !== 0 && signature.length !== fixedLength) return false
      try {
        return verify(spec.hash, input, params, signature)
      } catch {
        return false
      }
    },
  }
}
