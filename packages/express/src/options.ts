/** The option shapes `bearerAuth` accepts: the core's, shared by every adapter. */
import type { AdapterOptions, OptionalAuthOption } from '@bearer-guard/core'

/**
 * Guard options (a guard is created from them), a ready `Guard`, or `{ guard }` to share one guard between
 * middleware; plus `optional` to let requests without any token through with no `req.auth`.
 */
export type BearerAuthOptions = AdapterOptions
export type { OptionalAuthOption }
