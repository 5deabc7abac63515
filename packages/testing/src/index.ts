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
