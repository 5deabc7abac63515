/** Signing keys for the authorization server, generated at startup: nothing secret lives in the repository. */
import { randomUUID } from 'node:crypto'
import { exportJWK, generateKeyPair, type JWK } from 'jose'

/** Algorithms oidc-provider can sign access tokens with, from keys this module generates. */
export type SigningAlgorithm = 'RS256' | 'PS256' | 'ES256' | 'EdDSA'

export interface SigningKey {
  readonly kid: string
  readonly alg: SigningAlgorithm
  /** Private JWK, as oidc-provider's `jwks` configuration wants it. */
  readonly privateJwk: JWK
}

export async function generateSigningKey(alg: SigningAlgorithm): Promise<SigningKey> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) })
  const kid = randomUUID()
  return { kid, alg, privateJwk: { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' } }
}
