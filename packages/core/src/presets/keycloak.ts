/**
 * Keycloak. Access tokens: `iss` `{baseUrl}/realms/{realm}`, keys at `{issuer}/protocol/openid-connect/certs`,
 * the client in `azp`, realm roles in `realm_access.roles`, client roles in `resource_access.{client}.roles`,
 * and a `typ` claim in the payload that tells access tokens (`Bearer`) from ID (`ID`) and refresh tokens.
 * Keycloak puts no audience for your API in tokens until you add one: an "Audience" mapper (or a client
 * scope with it) naming your API's client.
 */
import type { GuardOptions } from '../options.js'
import { knownKeys, nonEmptyString, presetError, requireObject, stringList } from './common.js'

export interface KeycloakPresetOptions {
  /** Server URL as browsers reach it, e.g. `https://sso.example.com` (add `/auth` for Keycloak before 17). */
  readonly baseUrl: string
  readonly realm: string
  /** Your API's client id in the realm: whose client roles are permissions, and the default audience. */
  readonly clientId: string
  /** Accepted `aud`. Default: `clientId` (what an Audience mapper for that client adds). */
  readonly audience?: string | readonly string[]
}

export function keycloak(options: KeycloakPresetOptions): GuardOptions {
  const args = requireObject('keycloak', options)
  knownKeys('keycloak', args, ['baseUrl', 'realm', 'clientId', 'audience'])
  const base = nonEmptyString('keycloak', 'baseUrl', args.baseUrl)
  let url: URL
  try {
    url = new URL(base)
  } catch {
    throw presetError('keycloak', 'baseUrl', `must be a URL such as "https://sso.example.com" (got ${JSON.stringify(base)})`)
  }
  if (url.search !== '' || url.hash !== '' || /\/realms(\/|$)/.test(url.pathname)) {
    throw presetError('keycloak', 'baseUrl', 'must be the server URL without /realms/... (the realm is its own option)')
  }
  const realm = nonEmptyString('keycloak', 'realm', args.realm)
  // Tokens carry the realm name as is in `iss`; a name that would change the URL's shape is a mistake.
  if (/[/?#\s%]/.test(realm))
    throw presetError('keycloak', 'realm', `must be a realm name, not a path or URL (got ${JSON.stringify(realm)})`)
  const clientId = nonEmptyString('keycloak', 'clientId', args.clientId)
  // Scope claims are dotted paths; a client id with a dot would name a different path.
  if (clientId.includes('.')) throw presetError('keycloak', 'clientId', 'must not contain "." (read client roles with scopeClaim instead)')
  const issuer = `${url.origin}${url.pathname.replace(/\/+$/, '')}/realms/${realm}`
  return {
    issuer,
    jwksUri: `${issuer}/protocol/openid-connect/certs`,
    audience: args.audience === undefined ? clientId : stringList('keycloak', 'audience', args.audience),
    // Keycloak's default realm keys are RS256; ES/PS keys are possible. Never HS (realm HMAC keys sign internal tokens).
    algorithms: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'],
    strict: false,
    scopeClaim: ['scope', 'realm_access.roles', `resource_access.${clientId}.roles`],
    clientIdClaim: 'azp',
    claimValues: { typ: 'Bearer' },
  }
}
