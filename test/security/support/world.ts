/**
 * The shared scene of the security suite: a real issuer (the testing kit's server on 127.0.0.1) publishing
 * one key of every supported family plus a few deliberately bad ones, an attacker issuer with keys of its
 * own, a frozen clock, and helpers to mint hostile tokens and read outcomes.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type JsonWebKey, KeyObject, randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { AuthInfo, BearerRequest, GuardOptions } from '@bearer-guard/core'
import { BearerError } from '@bearer-guard/core'
import { createTestIssuer, type TestIssuer } from '@bearer-guard/testing'
import type { JWK } from 'jose'
import { craft, type SignAlg } from './jws.js'

export interface Signer {
  readonly kid: string
  readonly alg: SignAlg
  readonly key: KeyObject
  readonly publicKey: KeyObject
  readonly jwk: JWK
}

export type IssuerAlg = 'RS256' | 'PS256' | 'ES256' | 'ES384' | 'ES512' | 'EdDSA' | 'Ed25519'

export interface World {
  readonly issuer: TestIssuer
  /** A second, hostile issuer on its own port: its keys sign forgeries, its URLs go into `jku`/`x5u`. */
  readonly attacker: TestIssuer
  /** Frozen time (seconds) used by every guard and every minted token. */
  readonly now: number
  readonly keys: Readonly<Record<IssuerAlg, Signer>>
  /** RSA-2048 key published without `alg` or `use`: fits every RS/PS algorithm. */
  readonly noAlgRsa: Signer
  /** RSA-1024 key published in the JWKS with `alg: RS256`: must never be usable. */
  readonly weakRsa: Signer
  readonly attackerRsa: Signer
  readonly attackerEc: Signer
  /** A self-signed certificate (base64 DER) for the attacker's P-256 key. */
  readonly attackerX5c: { readonly cert: string; readonly key: KeyObject }
  /** Valid default claims; `undefined` in `extra` removes a claim. */
  claims(extra?: Readonly<Record<string, unknown>>): Record<string, unknown>
  /** A token signed by `signer` (default the RS256 key); header and claims merged over valid defaults. */
  token(options?: TokenOptions): string
  /** Guard options bound to this world (jwksUri mode, frozen clock) plus overrides. */
  options(overrides?: Partial<GuardOptions>): GuardOptions
  close(): Promise<void>
}

export interface TokenOptions {
  readonly signer?: Signer
  /** Header members over `{ alg, typ: 'at+jwt', kid }`; `undefined` removes. A string is the raw header JSON. */
  readonly header?: Readonly<Record<string, unknown>> | string
  /** Claims over the valid defaults; `undefined` removes. A string is the raw payload JSON. */
  readonly claims?: Readonly<Record<string, unknown>> | string
  /** Signature algorithm actually used (default: the signer's). */
  readonly signAlg?: SignAlg
  /** Key actually used to sign (default: the signer's private key). */
  readonly signKey?: KeyObject | Uint8Array | string
}

function merge(base: Record<string, unknown>, extra: Readonly<Record<string, unknown>> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base, ...extra }
  for (const name of Object.keys(out)) if (out[name] === undefined) delete out[name]
  return out
}

function fromIssuer(issuer: TestIssuer, kid: string): Signer {
  const jwk = issuer.publicJwk(kid)
  return {
    kid,
    alg: jwk.alg as SignAlg,
    key: KeyObject.from(issuer.privateKey(kid)),
    publicKey: createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }),
    jwk,
  }
}

function handMade(kid: string, alg: SignAlg, type: 'rsa' | 'ec', bits: number | string, extra: Partial<JWK> = {}): Signer {
  const { privateKey, publicKey } =
    type === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: bits as number })
      : generateKeyPairSync('ec', { namedCurve: bits as string })
  const jwk: JWK = { ...(publicKey.export({ format: 'jwk' }) as JWK), kid, ...extra }
  return { kid, alg, key: privateKey, publicKey, jwk }
}

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')

export async function createWorld(): Promise<World> {
  const issuer = await createTestIssuer({ alg: 'RS256' })
  const attacker = await createTestIssuer({ alg: 'RS256' })
  const kids: Partial<Record<IssuerAlg, string>> = { RS256: issuer.kids[0] as string }
  for (const alg of ['PS256', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const) kids[alg] = await issuer.rotate({ alg })
  const keys = Object.fromEntries(Object.entries(kids).map(([alg, kid]) => [alg, fromIssuer(issuer, kid)])) as Record<IssuerAlg, Signer>
  const noAlgRsa = handMade('no-alg-rsa-2048', 'RS256', 'rsa', 2048)
  const weakRsa = handMade('weak-rsa-1024', 'RS256', 'rsa', 1024, { alg: 'RS256', use: 'sig' })
  issuer.setExtraKeys([noAlgRsa.jwk, weakRsa.jwk])
  await attacker.rotate({ alg: 'ES256' })
  const attackerRsa = fromIssuer(attacker, attacker.kids[0] as string)
  const attackerEc = fromIssuer(attacker, attacker.kids[1] as string)
  const certPem = fixture('attacker-x5c.cert.pem')
  const attackerX5c = {
    cert: certPem.replace(/-----[A-Z ]+-----|\s/g, ''),
    key: createPrivateKey(fixture('attacker-x5c.key.pem')),
  }
  const now = Math.floor(Date.now() / 1000)

  const claims = (extra?: Readonly<Record<string, unknown>>): Record<string, unknown> =>
    merge(
      {
        iss: issuer.issuer,
        aud: issuer.audience,
        sub: 'client-1',
        client_id: 'client-1',
        iat: now - 10,
        exp: now + 600,
        jti: randomUUID(),
        scope: 'read:data write:data',
      },
      extra,
    )

  const token = (options: TokenOptions = {}): string => {
    const signer = options.signer ?? keys.RS256
    const header =
      typeof options.header === 'string' ? options.header : merge({ alg: signer.alg, typ: 'at+jwt', kid: signer.kid }, options.header)
    const payload = typeof options.claims === 'string' ? options.claims : claims(options.claims)
    return craft(header, payload, options.signAlg ?? signer.alg, options.signKey ?? signer.key)
  }

  return {
    issuer,
    attacker,
    now,
    keys,
    noAlgRsa,
    weakRsa,
    attackerRsa,
    attackerEc,
    attackerX5c,
    claims,
    token,
    options: (overrides = {}) => ({
      issuer: issuer.issuer,
      audience: issuer.audience,
      jwksUri: issuer.jwksUri,
      clock: () => now * 1000,
      ...overrides,
    }),
    close: async () => {
      await Promise.all([issuer.close(), attacker.close()])
    },
  }
}

/** What a guard decided, flattened for assertions. */
export type Outcome =
  | { readonly ok: true; readonly auth: AuthInfo | undefined }
  | {
      readonly ok: false
      readonly status: number
      readonly code: string | undefined
      readonly description: string
      readonly error: BearerError
    }

export async function outcome(pending: Promise<AuthInfo | undefined>): Promise<Outcome> {
  try {
    return { ok: true, auth: await pending }
  } catch (error) {
    if (!BearerError.is(error)) throw new Error(`not a BearerError: ${String(error)}`, { cause: error })
    return { ok: false, status: error.status, code: error.code, description: error.description, error }
  }
}

/** A GET with `Authorization: <value>` as Node would present it. */
export function withAuthorization(value: string, url = '/resource'): BearerRequest {
  return { method: 'GET', url, headers: { authorization: value }, rawHeaders: ['Authorization', value] }
}

export const bearer = (token: string): BearerRequest => withAuthorization(`Bearer ${token}`)
