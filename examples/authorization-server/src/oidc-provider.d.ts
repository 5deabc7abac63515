/**
 * oidc-provider 9 ships no type declarations. These cover only what this example uses; they stay out of
 * the package's public types, so nothing downstream depends on them.
 */
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http'

  export interface ClientMetadata {
    client_id: string
    client_secret: string
    grant_types: string[]
    introspection_endpoint_auth_method?: string
    redirect_uris: string[]
    response_types: string[]
    token_endpoint_auth_method?: string
    scope?: string
  }

  export interface ResourceServerInfo {
    scope: string
    audience?: string
    accessTokenTTL?: number
    accessTokenFormat: 'jwt' | 'opaque'
    jwt?: { sign?: { alg?: string; kid?: string } }
  }

  export interface ClientView {
    readonly clientId: string
  }

  export interface Configuration {
    adapter?: (model: string) => object
    clients?: ClientMetadata[]
    jwks?: { keys: object[] }
    scopes?: string[]
    claims?: Record<string, string[] | null>
    cookies?: { keys: string[] }
    ttl?: Record<string, number>
    enabledJWA?: Record<string, string[]>
    features?: {
      clientCredentials?: { enabled: boolean }
      devInteractions?: { enabled: boolean }
      introspection?: {
        enabled: boolean
        allowedPolicy?: (ctx: unknown, client: ClientView, token: { readonly clientId?: string }) => boolean | Promise<boolean>
      }
      revocation?: {
        enabled: boolean
        allowedPolicy?: (ctx: unknown, client: ClientView, token: { readonly clientId?: string }) => boolean | Promise<boolean>
      }
      userinfo?: { enabled: boolean }
      resourceIndicators?: {
        enabled: boolean
        defaultResource?: (
          ctx: unknown,
          client: ClientView,
          oneOf?: string[],
        ) => string | string[] | undefined | Promise<string | string[] | undefined>
        useGrantedResource?: (ctx: unknown, model: unknown) => boolean | Promise<boolean>
        getResourceServerInfo: (
          ctx: unknown,
          resourceIndicator: string,
          client: ClientView,
        ) => ResourceServerInfo | Promise<ResourceServerInfo>
      }
    }
  }

  export default class Provider {
    constructor(issuer: string, configuration?: Configuration)
    readonly issuer: string
    callback(): (req: IncomingMessage, res: ServerResponse) => void
    on(event: string, listener: (...args: unknown[]) => void): this
  }

  export const errors: {
    InvalidTarget: new (description?: string) => Error
  }
}
