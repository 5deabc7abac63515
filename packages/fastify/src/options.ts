/** Plugin options: the guard, created once at registration, and how the plugin hooks in. */
import { type Guard, type GuardOptions, resolveAdapterOptions } from '@bearer-guard/core'

/** Plugin options beyond the guard options. */
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

const CALLER = '@bearer-guard/fastify'

export function resolvePluginOptions(options: FastifyBearerAuthOptions): ResolvedPluginOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${CALLER}: options must be guard options or { guard }`)
  const { hook, ...rest } = options
  if (hook !== undefined && hook !== 'onRequest' && hook !== 'preValidation') {
    throw new TypeError(`${CALLER}: "hook" must be "onRequest" or "preValidation"`)
  }
  const { guard, optional } = resolveAdapterOptions(rest, CALLER)
  const bodyTokens = !('guard' in rest) && rest.tokenLocations?.includes('body') === true
  return { guard, optional, hook: hook ?? (bodyTokens ? 'preValidation' : 'onRequest') }
}
