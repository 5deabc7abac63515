/**
 * Provider presets: guard options for the authorization servers users run. Each returns ordinary
 * `GuardOptions`; spread and override: `createGuard({ ...auth0({ domain, audience }), realm: 'api' })`.
 *
 * @module
 */
export type { Auth0PresetOptions } from './auth0.js'
export { auth0 } from './auth0.js'
export type { CognitoPresetOptions } from './cognito.js'
export { cognito } from './cognito.js'
export type { EntraPresetOptions } from './entra.js'
export { entra } from './entra.js'
export type { KeycloakPresetOptions } from './keycloak.js'
export { keycloak } from './keycloak.js'
export type { OktaPresetOptions } from './okta.js'
export { okta } from './okta.js'
