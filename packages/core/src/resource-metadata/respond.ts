/**
 * Serving the RFC 9728 document: one framework-neutral decision every adapter calls, so Express, Koa and
 * Fastify answer byte for byte the same. No authentication: clients fetch it before they have a token.
 */
import { type Guard, isGuard } from '../guard.js'
import type { ProtectedResource } from './document.js'

/** What an adapter writes back: status, headers (lower-case names) and body (empty for OPTIONS). */
export interface MetadataResponse {
  readonly status: 200 | 204 | 405
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

const ALLOW = 'GET, HEAD, OPTIONS'

/** The request target's path, without query; undefined when the target is not origin-form. */
function pathOf(target: string): string | undefined {
  if (!target.startsWith('/')) return undefined
  const end = target.search(/[?#]/)
  return end === -1 ? target : target.slice(0, end)
}

/**
 * The response to `method target` when `target` is the resource's well-known metadata path, else
 * `undefined` (the request is none of this function's business). GET and HEAD get the document with
 * `Cache-Control: public, max-age` and `Access-Control-Allow-Origin: *` (browser-based clients fetch it
 * cross-origin, RFC 9728 §3); OPTIONS gets a CORS preflight answer; anything else a 405.
 *
 * @param target the request target as received (`IncomingMessage#url`, Express's `originalUrl`).
 */
export function respondToMetadataRequest(resource: ProtectedResource, method: string, target: string): MetadataResponse | undefined {
  if (pathOf(target) !== resource.metadata.path) return undefined
  const verb = method.toUpperCase()
  if (verb === 'GET' || verb === 'HEAD') {
    return {
      status: 200,
      headers: {
        // The charset Express and Fastify would append anyway: one header value on every adapter.
        'content-type': 'application/json; charset=utf-8',
        'content-length': String(Buffer.byteLength(resource.json)),
        'cache-control': `public, max-age=${resource.maxAgeSeconds}`,
        'access-control-allow-origin': '*',
        'x-content-type-options': 'nosniff',
      },
      // Also for HEAD: Node's http server (under every framework) never sends a HEAD response's body, and
      // Fastify's automatic HEAD route derives its Content-Length from it.
      body: resource.json,
    }
  }
  if (verb === 'OPTIONS') {
    return {
      status: 204,
      headers: {
        'access-control-allow-origin': '*',
        'access-control-allow-methods': ALLOW,
        // No credentials are involved, so the wildcard is honoured; MCP clients send MCP-Protocol-Version.
        'access-control-allow-headers': '*',
        'access-control-max-age': '86400',
        allow: ALLOW,
      },
      body: '',
    }
  }
  return {
    status: 405,
    headers: { allow: ALLOW, 'content-type': 'application/json; charset=utf-8' },
    body: '{"error":"method_not_allowed"}',
  }
}

/**
 * {@link respondToMetadataRequest} for a guard: `undefined` also when the guard has no
 * `protectedResource`. What the adapters' middleware and routes call.
 */
export function serveResourceMetadata(
  guard: { readonly protectedResource: ProtectedResource | undefined },
  method: string,
  target: string,
): MetadataResponse | undefined {
  const resource = guard.protectedResource
  return resource === undefined ? undefined : respondToMetadataRequest(resource, method, target)
}

/** The guard whose metadata an adapter serves: a Guard or `{ guard }`, made with `protectedResource`. */
export type ResourceMetadataSource = Guard | { readonly guard: Guard }

/**
 * Resolves the guard from `source` once, at startup; throws a `TypeError` prefixed with `caller` when it
 * is not a guard or has no `protectedResource` (serving nothing would be a silent 404).
 */
export function resolveMetadataGuard(source: ResourceMetadataSource, caller: string): Guard {
  const guard = isGuard(source) ? source : typeof source === 'object' && source !== null ? source.guard : undefined
  if (!isGuard(guard)) throw new TypeError(`${caller}: pass the Guard made by createGuard (or { guard })`)
  if (guard.protectedResource === undefined) {
    throw new TypeError(
      `${caller}: the guard has no protectedResource; create it with createGuard({ ..., protectedResource: { resource } })`,
    )
  }
  return guard
}
