export { authorizedFetch } from './authorized-fetch.js'
export type { DpopFetchInit } from './dpop-fetch.js'
export { createDpopHandle, dpopFetch } from './dpop-fetch.js'
export type { AccessToken, TokenClient, TokenClientOptions } from './token-client.js'
export { createTokenClient } from './token-client.js'
export type {
  AuthorizationServerMetadata,
  ClientCredentials,
  HttpOptions,
  TokenRequest,
  TokenResponse,
} from './token-endpoint.js'
export { discover, requestToken } from './token-endpoint.js'
