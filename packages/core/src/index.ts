export type { AdapterOptions, GuardSource, OptionalAuthOption, ResolvedAdapterOptions, ScopeRequirement } from './adapter-support.js'
export { createScopeRequirement, resolveAdapterOptions } from './adapter-support.js'
export type { ScopeArguments } from './call-shape.js'
export { checkBearerAuthArguments, looksLikeMiddlewareCall, readScopeArguments } from './call-shape.js'
export type { AudienceReplacement, ClaimValueRules } from './claim-policy.js'
export type {
  IntrospectionFailureMessage,
  IntrospectionStartMessage,
  IntrospectionSuccessMessage,
  JwksCooldownMessage,
  JwksFetchFailureMessage,
  JwksFetchReason,
  JwksFetchStartMessage,
  JwksFetchSuccessMessage,
  JwksStaleMessage,
  MetadataFetchFailureMessage,
  MetadataFetchStartMessage,
  MetadataFetchSuccessMessage,
  ScopeDeniedMessage,
  VerificationMessage,
} from './diagnostics.js'
export { channels } from './diagnostics.js'
export type { AuthScheme, DpopChallengeContext } from './dpop/challenge.js'
export { InvalidDpopProofError, ReplayStoreUnavailableError, UseDpopNonceError } from './dpop/errors.js'
export type { DpopResourceMetadata } from './dpop/metadata.js'
export type { DpopMode, DpopNonceOptions, DpopOptions } from './dpop/options.js'
export type { MemoryReplayStoreOptions, ReplayStore } from './dpop/replay-store.js'
export { createMemoryReplayStore, ReplayStoreFullError } from './dpop/replay-store.js'
export { jwkThumbprint } from './dpop/thumbprint.js'
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
export type { IntrospectionCache, IntrospectionRecord } from './introspection/cache.js'
export { MemoryIntrospectionCache } from './introspection/cache.js'
export type { IntrospectionClientAuth, IntrospectionOptions } from './introspection/options.js'
export type { KeySetFetchEvent } from './jwks/remote-key-set.js'
export type { Algorithm, AsymmetricAlgorithm, SymmetricAlgorithm } from './jwt/algorithms.js'
export type { GuardOptions, GuardOptionsBase } from './options.js'
export type { OutageLog, OutageNoticeKind } from './outage-log.js'
export { causeChain, createOutageLog, OUTAGE_REMINDER_INTERVAL_MS, OutageNotice, outageLogOf, outageNoticeOf } from './outage-log.js'
export type { RejectionCause, RejectionCommon, RejectionDetails, RejectionReason } from './rejection.js'
export { isRejectionCause, REJECTION_REASONS } from './rejection.js'
export type { TokenLocation } from './request/extract-token.js'
export { mayCarryBodyToken } from './request/extract-token.js'
export type { ProtectedResource, ProtectedResourceDocument, ProtectedResourceOptions } from './resource-metadata/document.js'
export type { MetadataResponse, ResourceMetadataSource } from './resource-metadata/respond.js'
export { resolveMetadataGuard, respondToMetadataRequest, serveResourceMetadata } from './resource-metadata/respond.js'
export { WELL_KNOWN_SUFFIX, type WellKnownLocation } from './resource-metadata/well-known.js'
export type { ScopeCheck, ScopeMode } from './scopes.js'
export { compileScopeCheck, requireScopes } from './scopes.js'
export type { AuthInfo, BearerRequest, IncomingHeaders, JsonValue, JwtClaims, JwtHeader } from './types.js'
