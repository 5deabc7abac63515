/**
 * Finds the issuer's `jwks_uri` from its metadata: RFC 8414 first, then OpenID Connect Discovery, in the
 * order the MCP authorization spec mandates. The document's `issuer` must equal the configured issuer
 * exactly, or it is not used (RFC 8414 §3.3). Nothing else is taken from it: in particular not the
 * algorithms, which stay the guard's own allow-list.
 */
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
    const metadata = body as { issuer?: unknown; jwks_uri?: unknown } | null
    if (typeof metadata !== 'object' || metadata === null) throw new UpstreamError('metadata is not a JSON object')
    if (metadata.issuer !== issuer) {
      // Permanent: the configured issuer is wrong (a trailing slash, a proxy's host name), not the network.
      throw new UpstreamError('metadata issuer does not match the configured issuer', {
        url: location,
        configuration: { reason: 'discovery_issuer_mismatch', expected: issuer, actual: metadata.issuer },
      })
    }
    if (typeof metadata.jwks_uri !== 'string') throw new UpstreamError('metadata has no jwks_uri', { url: location })
    try {
      limits.checkUrl(metadata.jwks_uri, 'discovered jwks_uri')
    } catch (cause) {
      throw new UpstreamError('discovered jwks_uri is not acceptable', {
        cause,
        url: location,
        configuration: { reason: 'discovery_jwks_uri_refused', issuer, jwksUri: metadata.jwks_uri },
      })
    }
    return metadata.jwks_uri
  }
  throw new UpstreamError('no authorization server metadata found', { cause: lastError })
}
