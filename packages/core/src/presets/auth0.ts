/**
 * Auth0. Access tokens for an API (a "resource server" in the Auth0 dashboard) are JWTs signed with the
 * tenant's RS256 key, `iss` `https://{domain}/` (trailing slash), `aud` the API identifier; with RBAC and
 * "Add Permissions in the Access Token" on, the granted permissions are in `permissions`, otherwise in
 * `scope`. The client is `azp` (`client_id` with the RFC 9068 token profile).
 */
import type { GuardOptions } from '../options.js'
import { hostName, knownKeys, requireObject, stringList } from './common.js'

export interface Auth0PresetOptions {
  /** Tenant domain (`dev-abc123.us.auth0.com`) or custom domain, as tokens name it in `iss`. */
  readonly domain: string
  /** The API identifier(s) from Applications → APIs (the `audience` clients ask tokens for). */
  readonly audience: string | readonly string[]
}

/** Guard options for Auth0 access tokens. Spread them and override what you need. */
export function auth0(options: Auth0PresetOptions): GuardOptions {
  const args = requireObject('auth0', options)
  knownKeys('auth0', args, ['domain', 'audience'])
  const domain = hostName('auth0', 'domain', args.domain)
  return {
    issuer: `https://${domain}/`,
    jwksUri: `https://${domain}/.well-known/jwks.json`,
    audience: stringList('auth0', 'audience', args.audience),
    // Auth0 signs access tokens with RS256 (or PS256 when configured); HS256 is for ID tokens only.
    algorithms: ['RS256', 'PS256'],
    // The default profile sends `typ: JWT`, the RFC 9068 profile `at+jwt`: both pass the default policy.
    strict: false,
    scopeClaim: ['scope', 'permissions'],
    clientIdClaim: ['azp', 'client_id'],
  }
}
