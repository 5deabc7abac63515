export type { DpopAlgorithm, DpopKey, DpopProofOptions } from './dpop.js'
export { createDpopKey } from './dpop.js'
export type { ClientAuthMethod, IntrospectionClient } from './introspection-endpoint.js'
export type {
  Auth0TokenShape,
  CognitoTokenShape,
  EntraTokenShape,
  KeycloakTokenShape,
  OktaTokenShape,
  ProviderTokenShape,
  TokenKind,
} from './provider-tokens.js'
export type {
  FailureMode,
  OpaqueTokenOptions,
  RequestCounts,
  RotateOptions,
  SigningAlgorithm,
  SignOptions,
  TestIssuer,
  TestIssuerOptions,
} from './test-issuer.js'
export { createTestIssuer } from './test-issuer.js'
