/**
 * A token source for a daemon: discovers the authorization server once, keeps one access token, and gets a
 * new one shortly before the old one expires, so calls never go out with a token about to die in flight.
 */
import {
  type AuthorizationServerMetadata,
  type ClientCredentials,
  discover,
  type HttpOptions,
  requestToken,
  type TokenRequest,
  type TokenResponse,
} from './token-endpoint.js'

export interface TokenClientOptions extends ClientCredentials, TokenRequest, HttpOptions {
  readonly issuer: string
  /**
   * Seconds before expiry at which the token is renewed. Default 30, and never more than half the
   * token's lifetime, so short-lived tokens are still used for a while.
   */
  readonly renewBeforeSeconds?: number
  /** Clock in milliseconds since the epoch. Default `Date.now`. */
  readonly clock?: () => number
  /** Called with each new token response, e.g. for logs. */
  readonly onToken?: (response: TokenResponse) => void
}

export interface AccessToken {
  readonly value: string
  /** When the token expires, in milliseconds since the epoch. */
  readonly expiresAt: number
  /** When it will be renewed, in milliseconds since the epoch. */
  readonly renewAt: number
  /** Granted scopes, as the server reported them. */
  readonly scope: string | undefined
}

export interface TokenClient {
  /** A valid token: the cached one, or a new one when the cached one is close to expiry. */
  getToken(): Promise<AccessToken>
  /** Drops the cached token, e.g. after the API answered 401 `invalid_token`. */
  invalidate(): void
  /** Token requests made so far. */
  readonly tokenRequests: number
}

/** Lifetime assumed when the server sends no `expires_in` (RFC 6749 §5.1 makes it optional). */
const UNKNOWN_LIFETIME_SECONDS = 60

export function createTokenClient(options: TokenClientOptions): TokenClient {
  const clock = options.clock ?? Date.now
  const renewBeforeSeconds = options.renewBeforeSeconds ?? 30
  let metadata: Promise<AuthorizationServerMetadata> | undefined
  let current: AccessToken | undefined
  let pending: Promise<AccessToken> | undefined
  let tokenRequests = 0

  const fetchToken = async (): Promise<AccessToken> => {
    metadata ??= discover(options.issuer, options).catch((error: unknown) => {
      metadata = undefined
      throw error
    })
    const as = await metadata
    tokenRequests += 1
    const response = await requestToken(as, options, options, options)
    options.onToken?.(response)
    const issuedAt = clock()
    const lifetime = response.expires_in ?? UNKNOWN_LIFETIME_SECONDS
    const margin = Math.min(renewBeforeSeconds, lifetime / 2)
    return {
      value: response.access_token,
      expiresAt: issuedAt + lifetime * 1000,
      renewAt: issuedAt + (lifetime - margin) * 1000,
      scope: response.scope,
    }
  }

  return {
    getToken() {
      if (current !== undefined && clock() < current.renewAt) return Promise.resolve(current)
      // One request at a time: concurrent callers share the renewal instead of each asking for a token.
      pending ??= fetchToken()
        .then((token) => {
          current = token
          return token
        })
        .finally(() => {
          pending = undefined
        })
      return pending
    },
    invalidate() {
      current = undefined
    },
    get tokenRequests() {
      return tokenRequests
    },
  }
}
