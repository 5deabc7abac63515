export type { AuthInfo, Guard, GuardOptions, ScopeMode } from '@bearer-guard/core'
// Re-exported so an app needs only this package to share a guard or recognise its errors.
export { BearerError, createGuard, isGuard, OutageNotice, outageNoticeOf } from '@bearer-guard/core'
export { bearerAuth } from './bearer-auth.js'
export type { BearerAuthOptions, OptionalAuthOption } from './options.js'
export type { RequireScopesOptions } from './require-scopes.js'
export { requireScopes } from './require-scopes.js'
export type { ResourceMetadataSource } from './resource-metadata.js'
export { protectedResourceMetadata } from './resource-metadata.js'
