export type { AdapterOptions, GuardSource, OptionalAuthOption, ResolvedAdapterOptions, ScopeRequirement } from './adapter-support.js'
export { createScopeRequirement, resolveAdapterOptions } from './adapter-support.js'
export type { AuthScheme } from './dpop/challenge.js'
export { InvalidDpopProofError, ReplayStoreUnavailableError, UseDpopNonceError } from './dpop/errors.js'
export type { DpopResourceMetadata } from './dpop/metadata.js'
export type { DpopMode, DpopNonceOptions, DpopOptions } from './dpop/options.js'
export type { MemoryReplayStoreOptions, ReplayStore } from './dpop/replay-store.js'
export { createMemoryReplayStore, ReplayStoreFullError } from './dpop/replay-store.js'
export { jwkThumbprint } from './dpop/thumbprint.js'
export type { BearerErrorCode, BearerErrorHeaders, ChallengeContext } from './errors.js'
export {
  BearerError,
  InsufficientScopeError,
  InvalidRequestError,
  InvalidTokenError,
  MissingTokenError,
  ServiceUnavailableError,
} from './errors.js'
export type { AuthenticateOptions, Guard } from './guard.js'
export { createGuard, isGuard } from './guard.js'
export type { KeySetFetchEvent } from './jwks/remote-key-set.js'
export type { Algorithm, AsymmetricAlgorithm, SymmetricAlgorithm } from './jwt/algorithms.js'
export type { GuardOptions } from './options.js'
export type { TokenLocation } from './request/extract-token.js'
export type { ScopeCheck, ScopeMode } from './scopes.js'
export { compileScopeCheck, requireScopes } from './scopes.js'
export type { AuthInfo, BearerRequest, IncomingHeaders, JsonValue, JwtClaims, JwtHeader } from './types.js'
