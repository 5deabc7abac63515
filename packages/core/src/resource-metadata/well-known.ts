/**
 * RFC 9728 §3.1: where a protected resource publishes its metadata. The well-known string goes between
 * the host and the path of the resource identifier, so `https://api.example.com/mcp` publishes at
 * `https://api.example.com/.well-known/oauth-protected-resource/mcp`; a path of just `/` is dropped.
 */

/** The RFC 9728 §3 well-known URI suffix registered with IANA. */
export const WELL_KNOWN_SUFFIX = '/.well-known/oauth-protected-resource'

/** Where a resource's RFC 9728 metadata document is served: the well-known suffix inserted before the resource's path (§3.1). */
export interface WellKnownLocation {
  /** Absolute metadata URL, advertised as `resource_metadata` in challenges (RFC 9728 §5.1). */
  readonly url: string
  /** Its path on the resource's origin, the route the adapters serve. */
  readonly path: string
}

/**
 * Derives the metadata location from a resource identifier that has already been validated (absolute,
 * no query, no fragment). A path's own trailing slash is kept: `https://x/mcp/` and `https://x/mcp` are
 * different identifiers (RFC 8707 compares them exactly), so their documents live at different URLs.
 */
export function wellKnownLocation(resource: URL): WellKnownLocation {
  // "any terminating slash (/) following the host component MUST be removed" (RFC 9728 §3.1): a bare
  // origin's `/` path contributes nothing.
  const path = `${WELL_KNOWN_SUFFIX}${resource.pathname === '/' ? '' : resource.pathname}`
  return { url: `${resource.origin}${path}`, path }
}
