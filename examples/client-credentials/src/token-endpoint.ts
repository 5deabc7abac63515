/**
 * The two OAuth calls a machine client makes, done by oauth4webapi: discovery of the authorization server
 * (RFC 8414 / OpenID Connect Discovery) and the client credentials grant (RFC 6749 §4.4).
 */
import * as oauth from 'oauth4webapi'

export interface ClientCredentials {
  readonly clientId: string
  readonly clientSecret: string
}

export interface TokenRequest {
  /** Space-delimited scopes to ask for. Default: none (the server decides). */
  readonly scope?: string
  /** RFC 8707 resource indicator: the API the token is for, which becomes its `aud`. */
  readonly resource?: string
  /**
   * Bind the token to this DPoP key (RFC 9449): the request carries a proof, the server answers
   * `token_type: DPoP` and puts the key's thumbprint in the token's `cnf.jkt`. See `createDpopHandle`.
   */
  readonly dpop?: oauth.DPoPHandle
}

export interface HttpOptions {
  /** Milliseconds before a request to the authorization server is abandoned. Default 5000. */
  readonly timeoutDuration?: number
}

export type AuthorizationServerMetadata = oauth.AuthorizationServer
export type TokenResponse = oauth.TokenEndpointResponse

function isLoopbackHttp(url: URL): boolean {
  return url.protocol === 'http:' && (url.hostname === 'localhost' || url.hostname === '[::1]' || url.hostname.startsWith('127.'))
}

function requestOptions(url: URL, http: HttpOptions): { signal: AbortSignal; [oauth.allowInsecureRequests]?: boolean } {
  // oauth4webapi refuses plain http; a loopback authorization server (the demo's) is the one exception we make.
  return {
    signal: AbortSignal.timeout(http.timeoutDuration ?? 5000),
    ...(isLoopbackHttp(url) ? { [oauth.allowInsecureRequests]: true } : {}),
  }
}

/** Fetches and validates the issuer's metadata; its `issuer` must equal `issuer` exactly. */
export async function discover(issuer: string, http: HttpOptions = {}): Promise<AuthorizationServerMetadata> {
  const url = new URL(issuer)
  const response = await oauth.discoveryRequest(url, { algorithm: 'oidc', ...requestOptions(url, http) })
  return oauth.processDiscoveryResponse(url, response)
}

/**
 * `grant_type=client_credentials` with `client_id` and `client_secret` in the form body
 * (`client_secret_post`). Rejects with oauth4webapi's `ResponseBodyError` (`.error`, `.error_description`)
 * when the server refuses.
 */
export async function requestToken(
  as: AuthorizationServerMetadata,
  credentials: ClientCredentials,
  request: TokenRequest = {},
  http: HttpOptions = {},
): Promise<TokenResponse> {
  if (as.token_endpoint === undefined) throw new TypeError('the authorization server has no token_endpoint')
  const parameters = new URLSearchParams()
  if (request.scope !== undefined) parameters.set('scope', request.scope)
  if (request.resource !== undefined) parameters.set('resource', request.resource)
  const client: oauth.Client = { client_id: credentials.clientId }
  const send = async (): Promise<TokenResponse> => {
    const response = await oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretPost(credentials.clientSecret), parameters, {
      ...requestOptions(new URL(as.token_endpoint as string), http),
      ...(request.dpop === undefined ? {} : { DPoP: request.dpop }),
    })
    return oauth.processClientCredentialsResponse(as, client, response)
  }
  try {
    return await send()
  } catch (error) {
    // RFC 9449 §8: a server may demand a nonce; the handle has cached the one it sent, so retry once.
    if (request.dpop !== undefined && oauth.isDPoPNonceError(error)) return send()
    throw error
  }
}
