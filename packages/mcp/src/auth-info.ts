/**
 * One object for both worlds: bearer-guard's `AuthInfo` (claims, header, subject) and the MCP SDK's
 * `AuthInfo` (`clientId` a string, `resource` a URL, `extra`), so `req.auth` is right for our types and
 * `extra.authInfo` is right for the SDK's tool handlers.
 */
import { type AuthInfo, InvalidTokenError } from '@bearer-guard/core'
import type { AuthInfo as SdkAuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js'

/**
 * What MCP routes put on `req.auth`: a structural superset of bearer-guard's `AuthInfo` and the SDK's.
 * `clientId` is `client_id`, else `azp`, else `sub`; `resource` is the protected resource's identifier
 * when the token's `aud` names it; `extra` holds `{ subject, claims }` for handlers that only see the SDK
 * type. Frozen, like every `AuthInfo`.
 */
export type McpAuthInfo = AuthInfo & SdkAuthInfo

const MADE = new WeakSet<object>()

/** True when `value` was built by {@link toMcpAuthInfo}. */
export function isMcpAuthInfo(value: unknown): value is McpAuthInfo {
  return typeof value === 'object' && value !== null && MADE.has(value)
}

/**
 * Builds the MCP view of a verified token. A token that names no client at all is refused with 401
 * `invalid_token`: the SDK promises handlers a `clientId`, and an empty string would be a lie.
 */
export function toMcpAuthInfo(auth: AuthInfo, resource: string): McpAuthInfo {
  const clientId = auth.clientId ?? auth.subject
  if (clientId === undefined) throw new InvalidTokenError('token names no client')
  const aud = auth.claims.aud
  const forResource = aud === resource || (Array.isArray(aud) && aud.includes(resource))
  const info = {
    ...auth,
    clientId,
    // Typed mutable by the SDK, frozen in fact: a handler must not widen what later requests are allowed.
    scopes: auth.scopes as string[],
    extra: Object.freeze({ subject: auth.subject, claims: auth.claims }),
    ...(forResource ? { resource: new URL(resource) } : {}),
  }
  Object.freeze(info)
  MADE.add(info)
  return info
}
