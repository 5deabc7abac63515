/**
 * The `protectedResource` option group: validation, RFC 9728 §2 document, its well-known location
 * (§3.1), all decided once at startup. The document is rendered to JSON once; every response reuses the
 * same bytes.
 */
import type { DpopResourceMetadata } from '../dpop/metadata.js'
import { deepFreeze } from '../lib/deep-freeze.js'
import type { TokenLocation } from '../request/extract-token.js'
import { type WellKnownLocation, wellKnownLocation } from './well-known.js'

/** What a user configures, in camelCase; the document uses RFC 9728's snake_case names. */
export interface ProtectedResourceOptions {
  /**
   * The resource identifier (RFC 9728 §1.2, RFC 8707 §2): an https URL without query or fragment, e.g.
   * `https://mcp.example.com/mcp`, in canonical form (lower-case scheme and host, no default port).
   * Clients ask for tokens with `resource=<this>`, so it is also added to the accepted audiences.
   * Plain http only on loopback hosts, or with `allowInsecureHttp`.
   */
  readonly resource: string
  /** `authorization_servers`: issuer URLs clients may get tokens from. Default: the guard's `issuer`(s). */
  readonly authorizationServers?: string | readonly string[]
  /** `scopes_supported` (RECOMMENDED): scope names clients may request for this resource. */
  readonly scopesSupported?: readonly string[]
  /** `resource_name`: human-readable name. */
  readonly resourceName?: string
  /** `resource_documentation`: URL of developer documentation. */
  readonly resourceDocumentation?: string
  /** `resource_policy_uri`: URL of the data usage policy. */
  readonly resourcePolicyUri?: string
  /** `resource_tos_uri`: URL of the terms of service. */
  readonly resourceTosUri?: string
  /** Seconds clients and caches may keep the document (`Cache-Control: public, max-age`). Default 3600, at most 604800. */
  readonly maxAge?: number
}

/** The RFC 9728 §2 document bearer-guard publishes. */
export interface ProtectedResourceDocument {
  readonly resource: string
  readonly authorization_servers: readonly string[]
  readonly bearer_methods_supported: readonly TokenLocation[]
  readonly scopes_supported?: readonly string[]
  readonly resource_name?: string
  readonly resource_documentation?: string
  readonly resource_policy_uri?: string
  readonly resource_tos_uri?: string
  /** From the guard's `dpop` settings (RFC 9728 §2, RFC 9449 §11.7), when DPoP is on. */
  readonly dpop_signing_alg_values_supported?: readonly string[]
  readonly dpop_bound_access_tokens_required?: boolean
}

/** A guard's protected resource, ready to serve. */
export interface ProtectedResource {
  /** The resource identifier, exactly as configured (it is the `aud` tokens carry). */
  readonly resource: string
  /** Where the document is published, and advertised as `resource_metadata`. */
  readonly metadata: WellKnownLocation
  readonly document: ProtectedResourceDocument
  /** The document as JSON, rendered once. */
  readonly json: string
  /** `Cache-Control` max-age, in seconds. */
  readonly maxAgeSeconds: number
}

const KEYS = new Set([
  'resource',
  'authorizationServers',
  'scopesSupported',
  'resourceName',
  'resourceDocumentation',
  'resourcePolicyUri',
  'resourceTosUri',
  'maxAge',
])

/** RFC 6749 §3.3 scope-token. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/

function camelCase(name: string): string {
  return name.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase())
}

export interface ResourceContext {
  readonly issuers: readonly string[]
  readonly tokenLocations: readonly TokenLocation[]
  /** The DPoP members the guard's `dpop` settings imply; absent when DPoP is off. */
  readonly dpop?: DpopResourceMetadata | undefined
  /** Throws unless the URL is https (or http on loopback, or anywhere with allowInsecureHttp). */
  readonly checkHttps: (url: string, what: string) => void
}

/**
 * Validates the `protectedResource` group and builds the document. Throws a `TypeError` naming the bad
 * field. `authorization_servers` defaults to the guard's issuers; `bearer_methods_supported` is what the
 * guard accepts, so the document cannot promise a method the guard refuses.
 */
export function resolveProtectedResource(value: unknown, context: ResourceContext): ProtectedResource {
  const fail = (field: string, expectation: string): never => {
    throw new TypeError(`createGuard: "protectedResource${field === '' ? '' : `.${field}`}" ${expectation}`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('', 'must be an object with at least { resource }')
  const options = value as Record<string, unknown>
  for (const key of Object.keys(options)) {
    if (KEYS.has(key)) continue
    // A snake_case name copied from RFC 9728 would otherwise be silently dropped from the document.
    const hint = KEYS.has(camelCase(key)) ? ` (did you mean "${camelCase(key)}"?)` : ''
    fail(key, `is not a known option${hint}`)
  }

  const resource = options.resource
  if (typeof resource !== 'string' || resource === '') fail('resource', 'must be a non-empty URL string')
  const parsed = parseUrl(resource as string, 'resource', fail)
  // RFC 8707 §2 / RFC 9728 §1.2: no fragment. A query is only discouraged there, but it cannot be carried
  // through the well-known URL unambiguously and MCP clients drop it: refuse both.
  if ((resource as string).includes('#')) fail('resource', 'must not have a fragment (RFC 8707 §2)')
  if ((resource as string).includes('?')) fail('resource', 'must not have a query component (RFC 8707 §2)')
  if (parsed.username !== '' || parsed.password !== '') fail('resource', 'must not carry user credentials')
  context.checkHttps(resource as string, 'createGuard: "protectedResource.resource"')
  // Tokens carry the identifier verbatim in `aud`, compared exactly: a non-canonical spelling
  // (upper-case host, default port, `..`) would be normalised by clients and never match.
  const canonical = parsed.pathname === '/' && !(resource as string).endsWith('/') ? parsed.href.slice(0, -1) : parsed.href
  if (canonical !== resource) fail('resource', `must be in canonical form: ${JSON.stringify(canonical)}`)

  const servers =
    options.authorizationServers === undefined
      ? context.issuers
      : typeof options.authorizationServers === 'string'
        ? [options.authorizationServers]
        : options.authorizationServers
  if (!Array.isArray(servers) || servers.length === 0) fail('authorizationServers', 'must be a non-empty URL string or array of them')
  for (const server of servers as unknown[]) {
    if (typeof server !== 'string') return fail('authorizationServers', 'must contain URL strings only')
    const url = parseUrl(server, 'authorizationServers', fail)
    // RFC 8414 §2: an issuer identifier has no query or fragment.
    if (server.includes('?') || server.includes('#')) fail('authorizationServers', `entry ${server} must not have a query or fragment`)
    if (url.protocol !== 'https:' && url.protocol !== 'http:') fail('authorizationServers', `entry ${server} must be an https URL`)
    context.checkHttps(server, `createGuard: "protectedResource.authorizationServers" entry ${server}`)
  }

  const document: Record<string, unknown> = {
    resource,
    authorization_servers: [...new Set(servers as string[])],
    bearer_methods_supported: [...context.tokenLocations],
    ...context.dpop,
  }
  if (options.scopesSupported !== undefined) {
    const scopes = options.scopesSupported
    if (!Array.isArray(scopes) || scopes.some((s) => typeof s !== 'string' || !SCOPE_TOKEN.test(s))) {
      fail('scopesSupported', 'must be an array of scope names (RFC 6749 §3.3: printable ASCII, no space, " or \\)')
    }
    document.scopes_supported = [...new Set(scopes as string[])]
  }
  if (options.resourceName !== undefined) {
    if (typeof options.resourceName !== 'string' || options.resourceName.trim() === '') fail('resourceName', 'must be a non-empty string')
    document.resource_name = options.resourceName
  }
  for (const [key, field] of [
    ['resourceDocumentation', 'resource_documentation'],
    ['resourcePolicyUri', 'resource_policy_uri'],
    ['resourceTosUri', 'resource_tos_uri'],
  ] as const) {
    const link = options[key]
    if (link === undefined) continue
    if (typeof link !== 'string') fail(key, 'must be a URL string')
    const url = parseUrl(link as string, key, fail)
    if (url.protocol !== 'https:' && url.protocol !== 'http:') fail(key, 'must be an http(s) URL')
    document[field] = link
  }
  const maxAge = options.maxAge ?? 3600
  if (typeof maxAge !== 'number' || !Number.isInteger(maxAge) || maxAge < 0 || maxAge > 604_800) {
    fail('maxAge', 'must be a whole number of seconds from 0 to 604800')
  }

  const frozen = deepFreeze(document) as unknown as ProtectedResourceDocument
  return Object.freeze({
    resource: resource as string,
    metadata: Object.freeze(wellKnownLocation(parsed)),
    document: frozen,
    json: JSON.stringify(frozen),
    maxAgeSeconds: maxAge as number,
  })
}

function parseUrl(value: string, field: string, fail: (field: string, expectation: string) => never): URL {
  try {
    return new URL(value)
  } catch {
    return fail(field, `must be an absolute URL (got ${JSON.stringify(value)})`)
  }
}
