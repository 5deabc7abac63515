/**
 * Finds the issuer's `jwks_uri` from its metadata: RFC 8414 first, then OpenID Connect Discovery, in the
 * order the MCP authorization spec mandates. The document's `issuer` must equal the configured issuer
 * exactly, or it is not used (RFC 8414 §3.3). Nothing else is taken from it: in particular not the
 * algorithms, which stay the guard's own allow-list.
 */
import type { JsonValue } from '../types.js'
import { type FetchLimits, fetchJson, UpstreamError } from './fetch-json.js'

export function discoveryUrls(issuer: string): string[] {
  const url = new URL(issuer)
  const path = url.pathname.replace(/\/+$/, '')
  const origin = url.origin
  if (path === '') {
    return [`${origin}/.well-known/oauth-authorization-server`, `${origin}/.well-known/openid-configuration`]
  }
  return [
    `${origin}/.well-known/oauth-authorization-server${path}`,
    `${origin}/.well-known/openid-configuration${path}`,
    `${origin}${path}/.well-known/openid-configuration`,
  ]
}

export async function discoverJwksUri(issuer: string, limits: FetchLimits): Promise<string> {
  return discoverEndpoint(issuer, limits, 'jwks_uri')
}

/**
 * One URL member of the issuer's metadata (`jwks_uri`, `introspection_endpoint`), after the same issuer
 * match and the same URL policy as configured URLs.
 */
export async function discoverEndpoint(
  issuer: string,
  limits: FetchLimits,
  member: 'jwks_uri' | 'introspection_endpoint',
): Promise<string> {
  let lastError: unknown
  for (const location of discoveryUrls(issuer)) {
    let body: unknown
    try {
      ;({ body } = await fetchJson(location, limits, new URL(issuer).origin))
    } catch (error) {
      // Only "not here" moves on to the next well-known location; an outage fails discovery now.
      if (error instanceof UpstreamError && (error.httpStatus === 404 || error.httpStatus === 405 || error.httpStatus === 410)) {
        lastError = error
        continue
      }
      throw error
    }
    const metadata = body as Record<string, unknown> | null
    if (typeof metadata !== 'object' || metadata === null) throw new UpstreamError('metadata is not a JSON object')
    if (metadata.issuer !== issuer) {
      // Permanent: the configured issuer is wrong (a trailing slash, a proxy's host name), not the network.
      throw new UpstreamError('metadata issuer does not match the configured issuer', {
        url: location,
        configuration: { reason: 'discovery_issuer_mismatch', expected: issuer, actual: metadata.issuer as JsonValue | undefined },
      })
    }
    const url = metadata[member]
    if (typeof url !== 'string') throw new UpstreamError(`metadata has no ${member}`, { url: location })
    try {
      limits.checkUrl(url, `discovered ${member}`)
    } catch (cause) {
      throw new UpstreamError(`discovered ${member} is not acceptable`, {
        cause,
        url: location,
        configuration: { reason: 'discovery_jwks_uri_refused', issuer, jwksUri: url },
      })
    }
    return url
  }
  throw new UpstreamError('no authorization server metadata found', { cause: lastError })
}
