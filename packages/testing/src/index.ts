export type { FailureMode, RequestCounts, RotateOptions, SignOptions, TestIssuer, TestIssuerOptions } from './test-issuer.js'
export { createTestIssuer } from './test-issuer.js'
