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

  return {
    adapter: settings.adapter,
    clients: settings.clients.map((client) => ({
      client_id: client.clientId,
      client_secret: client.clientSecret,
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      // client_id and client_secret in the form body, as the story tells it (RFC 6749 §2.3.1).
      token_endpoint_auth_method: client.tokenEndpointAuthMethod ?? 'client_secret_post',
      scope: client.scope,
    })),
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
      introspection: { enabled: false },
      revocation: { enabled: false },
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
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: signingKey.alg, kid: signingKey.kid } },
          }
        },
      },
    },
  }
}
