export type { DemoClient } from './configuration.js'
export type { SigningAlgorithm } from './keys.js'
export type { AuthorizationServer, AuthorizationServerOptions, RequestCounts, RotateOptions } from './server.js'
export {
  DEMO_AUDIENCE,
  DEMO_CLIENTS,
  DEMO_RESOURCE_SERVER,
  DEMO_SCOPES,
  OPAQUE_AUDIENCE,
  OTHER_AUDIENCE,
  startAuthorizationServer,
} from './server.js'
