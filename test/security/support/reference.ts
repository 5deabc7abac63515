/**
 * The reference verifier for the differential test: `jose.jwtVerify` over `createLocalJWKSet` of the very
 * JWKS the guard fetched, with the guard's policy spelled in jose's options. When several keys match,
 * jose throws `JWKSMultipleMatchingKeys` and its documentation says to try each one: so does this.
 */
import type { GuardOptions } from '@bearer-guard/core'
import { type CryptoKey, createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyOptions, jwtVerify } from 'jose'

const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519']
const STRICT_CLAIMS = ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti']

export interface ReferencePolicy {
  readonly issuer: string
  readonly audience: string
  readonly nowSeconds: number
  readonly profile: Partial<GuardOptions>
}

export function joseOptions(policy: ReferencePolicy): JWTVerifyOptions {
  const { profile } = policy
  return {
    issuer: policy.issuer,
    audience: policy.audience,
    algorithms: (profile.algorithms as string[] | undefined) ?? (profile.secret === undefined ? ASYMMETRIC : ['HS256', 'HS384', 'HS512']),
    clockTolerance: profile.clockTolerance ?? 5,
    currentDate: new Date(policy.nowSeconds * 1000),
    requiredClaims: profile.strict ? STRICT_CLAIMS : ['exp'],
    ...(profile.strict ? { typ: 'at+jwt' } : {}),
    ...(profile.maxTokenAge === undefined ? {} : { maxTokenAge: profile.maxTokenAge }),
  }
}

export type JoseVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: string }

export function createReference(keys: JSONWebKeySet | Uint8Array, policy: ReferencePolicy): (token: string) => Promise<JoseVerdict> {
  const options = joseOptions(policy)
  // jose refuses a whole set with a non-object member; the guard skips that member. Compare on the rest.
  const keySet =
    keys instanceof Uint8Array
      ? undefined
      : createLocalJWKSet({ keys: keys.keys.filter((k: unknown) => typeof k === 'object' && k !== null && !Array.isArray(k)) })
  return async (token) => {
    try {
      if (keySet === undefined) await jwtVerify(token, keys as Uint8Array, options)
      else await jwtVerify(token, keySet, options)
      return { ok: true }
    } catch (error) {
      if (error instanceof errors.JWKSMultipleMatchingKeys) {
        for await (const key of error as errors.JWKSMultipleMatchingKeys & AsyncIterable<CryptoKey>) {
          try {
            await jwtVerify(token, key, options)
            return { ok: true }
          } catch {}
        }
      }
      return { ok: false, reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }
    }
  }
}
