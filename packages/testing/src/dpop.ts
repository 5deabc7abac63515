/**
 * A DPoP client key for tests (RFC 9449): mints proofs for requests and gives the `jkt` to bind tokens to
 * (`issuer.sign({ cnf: { jkt: key.jkt } })`). Every proof member can be overridden, to build the bad
 * proofs a route must refuse.
 */
import { randomUUID } from 'node:crypto'
import { type CryptoKey, calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose'

/** The proof algorithms {@link createDpopKey} can generate a key for (`EdDSA` uses an Ed25519 key). */
export type DpopAlgorithm = 'ES256' | 'ES384' | 'ES512' | 'EdDSA' | 'Ed25519' | 'PS256' | 'RS256'

/** One proof's request (`method`, `url`) and any member to set, override or remove. */
export interface DpopProofOptions {
  /** `htm`: the request method, e.g. `GET`. */
  readonly method: string
  /** `htu`: the request URL; query and fragment are dropped, as RFC 9449 §4.2 asks. */
  readonly url: string
  /** The access token the proof goes with; sets `ath`. Omit for a proof without `ath`. */
  readonly accessToken?: string
  /** A server nonce (`DPoP-Nonce`) to include. */
  readonly nonce?: string
  /** `iat` in seconds since the epoch. Default: now. */
  readonly iat?: number
  /** `jti`. Default: a random UUID. */
  readonly jti?: string
  /** Claims to add or override; `undefined` values remove. */
  readonly claims?: Readonly<Record<string, unknown>>
  /** Protected header members to add or override (`typ`, `alg`, `jwk`); `undefined` values remove. */
  readonly header?: Readonly<Record<string, unknown>>
}

/** A generated DPoP key pair (private key kept inside) that signs proofs; see {@link createDpopKey}. */
export interface DpopKey {
  readonly alg: DpopAlgorithm
  /** RFC 7638 thumbprint of the public key: the `cnf.jkt` of tokens bound to this key. */
  readonly jkt: string
  /** The public key as a JWK (the proof's `jwk` header). */
  readonly publicJwk: JWK
  /** Signs a proof for one request. */
  proof(options: DpopProofOptions): Promise<string>
  /** The `Authorization` and `DPoP` headers for one request with `accessToken`. */
  headers(accessToken: string, options: Omit<DpopProofOptions, 'accessToken'>): Promise<{ authorization: string; dpop: string }>
}

/** Generates a key pair for `alg` (default ES256). */
export async function createDpopKey(alg: DpopAlgorithm = 'ES256'): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, alg === 'EdDSA' ? { crv: 'Ed25519' } : {})
  const publicJwk = await exportJWK(publicKey)
  const jkt = await calculateJwkThumbprint(publicJwk, 'sha256')
  const proof = (options: DpopProofOptions): Promise<string> => signProof(privateKey, alg, publicJwk, options)
  return Object.freeze({
    alg,
    jkt,
    publicJwk,
    proof,
    async headers(accessToken: string, options: Omit<DpopProofOptions, 'accessToken'>) {
      return { authorization: `DPoP ${accessToken}`, dpop: await proof({ ...options, accessToken }) }
    },
  })
}

async function signProof(privateKey: CryptoKey, alg: DpopAlgorithm, jwk: JWK, options: DpopProofOptions): Promise<string> {
  const url = new URL(options.url)
  const payload: Record<string, unknown> = {
    jti: options.jti ?? randomUUID(),
    htm: options.method,
    htu: `${url.origin}${url.pathname}`,
    iat: options.iat ?? Math.floor(Date.now() / 1000),
  }
  if (options.accessToken !== undefined) {
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(options.accessToken))
    payload.ath = Buffer.from(digest).toString('base64url')
  }
  if (options.nonce !== undefined) payload.nonce = options.nonce
  Object.assign(payload, options.claims)
  const header: Record<string, unknown> = { alg, typ: 'dpop+jwt', jwk, ...options.header }
  for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name]
  for (const [name, value] of Object.entries(header)) if (value === undefined) delete header[name]
  return new SignJWT(payload).setProtectedHeader(header as { alg: string }).sign(privateKey)
}
