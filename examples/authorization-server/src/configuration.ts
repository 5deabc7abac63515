/**
 * The oidc-provider configuration: a machine-to-machine authorization server. Only the client credentials
 * grant is on; access tokens are RFC 9068 JWTs, whose audience comes from the RFC 8707 resource indicator.
 */
import { randomBytes } from 'node:crypto'
import { type Configuration, errors } from 'oidc-provider'
import type { SigningKey } from './keys.js'

export interface DemoClient {
  readonly clientId: string
  readonly clientSecret: string
  /** Space-delimited scopes this client may ask for. */
  readonly scope: string
  /** How it authenticates at the token endpoint. Default `client_secret_post`; the MCP SDK's provider uses `client_secret_basic`. */
  readonly tokenEndpointAuthMethod?: 'client_secret_post' | 'client_secret_basic'
}

export interface ProviderSettings {
  /** Signing keys, the first one signs; all are published in the JWKS. */
  readonly keys: readonly SigningKey[]
  readonly clients: readonly DemoClient[]
  /** Resource indicators (RFC 8707) this server issues tokens for; the first is the default. */
  readonly resources: readonly string[]
  /** Resources whose access tokens are opaque (introspect them) instead of RFC 9068 JWTs. */
  readonly opaqueResources: readonly string[]
  /** Resource servers allowed to call the introspection endpoint (RFC 7662), with `client_secret_basic`. */
  readonly introspectionClients: readonly DemoClient[]
  /** Scopes every resource server knows. */
  readonly scopes: readonly string[]
  readonly accessTokenTtlSeconds: number
  /** Storage adapter factory, shared across the Provider instances of one server. */
  readonly adapter: (model: string) => object
}

export function buildConfiguration(settings: ProviderSettings): Configuration {
  const [signingKey] = settings.keys
  const [defaultResource] = settings.resources
  if (signingKey === undefined || defaultResource === undefined) throw new TypeError('at least one key and one resource are needed')
  const known = new Set(settings.resources)
  const opaque = new Set(settings.opaqueResources)
  const introspectors = new Set(settings.introspectionClients.map((client) => client.clientId))

  return {
    adapter: settings.adapter,
    clients: [
      ...settings.clients.map((client) => ({
        client_id: client.clientId,
        client_secret: client.clientSecret,
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        // client_id and client_secret in the form body, as the story tells it (RFC 6749 §2.3.1).
        token_endpoint_auth_method: client.tokenEndpointAuthMethod ?? 'client_secret_post',
        scope: client.scope,
      })),
      ...settings.introspectionClients.map((client) => ({
        client_id: client.clientId,
        client_secret: client.clientSecret,
        // A resource server: it gets no tokens, it only asks about them.
        grant_types: [],
        redirect_uris: [],
        response_types: [],
        token_endpoint_auth_method: 'client_secret_basic',
        introspection_endpoint_auth_method: 'client_secret_basic',
      })),
    ],
    jwks: { keys: settings.keys.map((key) => key.privateJwk) },
    // Listing the API scopes here is what makes oidc-provider enforce each client's `scope` allow-list:
    // asking for more is an `invalid_scope` error instead of a silently smaller token.
    scopes: ['openid', ...settings.scopes],
    // No browser ever talks to this server, but oidc-provider wants keys for the cookies it could set.
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    ttl: { ClientCredentials: settings.accessTokenTtlSeconds },
    features: {
      clientCredentials: { enabled: true },
      devInteractions: { enabled: false },
      // RFC 7662 for opaque tokens: only the registered resource servers may ask.
      introspection: { enabled: true, allowedPolicy: (_ctx, client) => introspectors.has(client.clientId) },
      // RFC 7009: a client may revoke its own tokens.
      revocation: { enabled: true, allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId },
      resourceIndicators: {
        enabled: true,
        // A client that names no resource gets a token for the demo API, never an audience-less token.
        defaultResource: () => defaultResource,
        getResourceServerInfo: (_ctx, resourceIndicator) => {
          if (!known.has(resourceIndicator)) throw new errors.InvalidTarget()
          return {
            scope: settings.scopes.join(' '),
            audience: resourceIndicator,
            accessTokenTTL: settings.accessTokenTtlSeconds,
            ...(opaque.has(resourceIndicator)
              ? { accessTokenFormat: 'opaque' as const }
              : { accessTokenFormat: 'jwt' as const, jwt: { sign: { alg: signingKey.alg, kid: signingKey.kid } } }),
          }
        },
      },
    },
  }
}
