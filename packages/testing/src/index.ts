export type { DpopAlgorithm, DpopKey, DpopProofOptions } from './dpop.js'
export { createDpopKey } from './dpop.js'
export type {
  FailureMode,
  RequestCounts,
  RotateOptions,
  SigningAlgorithm,
  SignOptions,
  TestIssuer,
  TestIssuerOptions,
} from './test-issuer.js'
export { createTestIssuer } from './test-issuer.js'
