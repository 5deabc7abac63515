export type { AdapterOptions, GuardSource, OptionalAuthOption, ResolvedAdapterOptions, ScopeRequirement } from './adapter-support.js'
export { createScopeRequirement, resolveAdapterOptions } from './adapter-support.js'
export type { BearerErrorCode, BearerErrorHeaders, BearerErrorInit, ChallengeContext } from './errors.js'
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
