/** Plugin options: the guard, created once at registration, and how the plugin hooks in. */
import { createGuard, type Guard, type GuardOptions, isGuard } from '@bearer-guard/core'

export interface PluginOnlyOptions {
  /**
   * Default for routes without `config.auth.optional`: let requests without any token through, with
   * `request.auth` undefined. A present but bad token still fails. Default false.
   */
  readonly optional?: boolean
  /**
   * The hook that verifies. Default `'onRequest'`: before the body is read. Use `'preValidation'` when the
   * guard accepts form-body tokens (`tokenLocations: ['header', 'body']`, RFC 6750 §2.2), which need the
   * parsed body; it is chosen automatically when such guard options are passed here.
   */
  readonly hook?: 'onRequest' | 'preValidation'
}

/** Guard options (a guard is created from them) or `{ guard }` to share a ready guard, plus plugin options. */
export type FastifyBearerAuthOptions = (GuardOptions | { readonly guard: Guard }) & PluginOnlyOptions

export interface ResolvedPluginOptions {
  readonly guard: Guard
  readonly optional: boolean
  readonly hook: 'onRequest' | 'preValidation'
}

const PREFIX = '@bearer-guard/fastify:'

export function resolvePluginOptions(options: FastifyBearerAuthOptions): ResolvedPluginOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${PREFIX} options must be guard options or { guard }`)
  const { optional = false, hook, ...rest } = options
  if (typeof optional !== 'boolean') throw new TypeError(`${PREFIX} "optional" must be a boolean`)
  if (hook !== undefined && hook !== 'onRequest' && hook !== 'preValidation') {
    throw new TypeError(`${PREFIX} "hook" must be "onRequest" or "preValidation"`)
  }
  if ('guard' in rest) {
    if (!isGuard(rest.guard)) throw new TypeError(`${PREFIX} "guard" must be a Guard made by createGuard`)
    // Guard options next to a ready guard would be silently ignored: refuse them instead.
    if (Object.keys(rest).length > 1) throw new TypeError(`${PREFIX} "guard" cannot be combined with guard options`)
    return { guard: rest.guard, optional, hook: hook ?? 'onRequest' }
  }
  const bodyTokens = rest.tokenLocations?.includes('body') === true
  return { guard: createGuard(rest), optional, hook: hook ?? (bodyTokens ? 'preValidation' : 'onRequest') }
}
