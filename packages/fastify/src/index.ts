import { bearerAuth } from './plugin.js'

export type { AuthInfo, Guard, GuardOptions, ScopeMode } from '@bearer-guard/core'
// Re-exported so an app needs only this package to share a guard or recognise its errors.
export { BearerError, createGuard, isGuard, OutageNotice, outageNoticeOf } from '@bearer-guard/core'
export type { FastifyBearerAuthOptions, PluginOnlyOptions } from './options.js'
export type { RequireScopesHook, RequireScopesOptions } from './plugin.js'
export { bearerAuth } from './plugin.js'
export { protectedResourceMetadataRoute } from './resource-metadata.js'
export type { RouteAuthConfig } from './route-policy.js'
export default bearerAuth
