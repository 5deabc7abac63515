/** Shared pieces of the DPoP tests: a test issuer, DPoP keys, and requests as adapters build them. */
import { sign } from 'node:crypto'
import type { BearerRequest, GuardOptions } from '@bearer-guard/core'
import type { DpopKey, TestIssuer } from '@bearer-guard/testing'

export const HOST = 'api.example.test'
export const URL_BASE = `http://${HOST}`

export interface DpopRequestInit {
  readonly method?: string
  readonly path?: string
  readonly scheme?: string
  readonly proof?: string | readonly string[] | undefined
  readonly headers?: Record<string, string | string[] | undefined>
  readonly secure?: boolean
}

/** A request as an adapter passes it: method, path and query, headers, raw header list. */
export function dpopRequest(token: string, init: DpopRequestInit = {}): BearerRequest {
  const headers: Record<string, string | string[] | undefined> = {
    host: HOST,
    authorization: `${init.scheme ?? 'DPoP'} ${token}`,
    ...init.headers,
  }
  const rawHeaders: string[] = []
  for (const [name, value] of Object.entries(headers)) if (typeof value === 'string') rawHeaders.push(name, value)
  const proofs = typeof init.proof === 'string' ? [init.proof] : (init.proof ?? [])
  if (proofs.length === 1) headers.dpop = proofs[0]
  else if (proofs.length > 1) headers.dpop = proofs.join(', ')
  for (const proof of proofs) rawHeaders.push('DPoP', proof)
  return {
    method: init.method ?? 'GET',
    url: init.path ?? '/things',
    headers,
    rawHeaders,
    ...(init.secure === undefined ? {} : { secure: init.secure }),
  }
}

export function guardOptions(as: TestIssuer, extra: Partial<GuardOptions> = {}): GuardOptions {
  return { issuer: as.issuer, audience: as.audience, jwksUri: as.jwksUri, ...extra }
}

/** A bound token and a valid request for it, as a client makes them. */
export async function boundRequest(
  as: TestIssuer,
  key: DpopKey,
  init: DpopRequestInit & { claims?: Record<string, unknown>; nowSeconds?: number } = {},
): Promise<{ token: string; request: BearerRequest }> {
  const token = await as.sign({ cnf: { jkt: key.jkt }, ...init.claims })
  const proof = await key.proof({
    method: init.method ?? 'GET',
    url: `${URL_BASE}${init.path ?? '/things'}`,
    accessToken: token,
    ...(init.nowSeconds === undefined ? {} : { iat: init.nowSeconds }),
  })
  return { token, request: dpopRequest(token, { ...init, proof }) }
}

/** Signs any header and payload with node:crypto, past jose's own checks (crit, short RSA keys). */
export function rawProof(
  privateKey: import('node:crypto').KeyObject,
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
): string {
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`
  const alg = header.alg as string
  const signature = alg.startsWith('ES')
    ? sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' })
    : sign(alg === 'EdDSA' ? null : 'sha256', Buffer.from(input), privateKey)
  return `${input}.${signature.toString('base64url')}`
}
