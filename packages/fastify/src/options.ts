/** Plugin options: the guard, created once at registration, and how the plugin hooks in. */
import { type Guard, type GuardOptions, isGuard, resolveAdapterOptions } from '@bearer-guard/core'

/** Plugin options beyond the guard options. */
export interface PluginOnlyOptions {
  /**
   * Default for routes without `config.auth.optional`: let requests without any token through, with
   * `request.auth` undefined. A present but bad token still fails. Default false.
   */
  readonly optional?: boolean
  /**
   * Where form-body tokens are verified. Requests that cannot carry one (GET/HEAD, or a body that is not
   * `application/x-www-form-urlencoded`, or a guard that does not accept body tokens) are always verified
   * in `onRequest`, before their body is read. With body tokens (`tokenLocations: ['header', 'body']`,
   * RFC 6750 §2.2, on the options or the shared guard) form posts are verified in `preValidation`, after
   * parsing: that is the default then, and `'onRequest'` is refused because the token could never be read.
   */
  readonly hook?: 'onRequest' | 'preValidation'
  /**
   * Register the public RFC 9728 metadata route (`GET /.well-known/oauth-protected-resource{path}`) when
   * the guard has `protectedResource`. Default true; the plugin must then be registered without a prefix.
   */
  readonly resourceMetadataRoute?: boolean
}

/** Guard options (a guard is created from them), a ready guard, or `{ guard }` to share one, plus plugin options. */
export type FastifyBearerAuthOptions = Guard | ((GuardOptions | { readonly guard: Guard }) & PluginOnlyOptions)

export interface ResolvedPluginOptions {
  readonly guard: Guard
  readonly optional: boolean
  /** The guard reads form-body tokens: form posts are verified in `preValidation`. */
  readonly bodyTokens: boolean
  readonly resourceMetadataRoute: boolean
}

const CALLER = '@bearer-guard/fastify'
/** Read here (`hook`) or by `fastify.register` itself; any other unknown key throws (a misspelt option). */
const PLUGIN_KEYS = ['hook', 'resourceMetadataRoute', 'prefix', 'logLevel', 'logSerializers']

export function resolvePluginOptions(options: FastifyBearerAuthOptions | undefined): ResolvedPluginOptions {
  if (
    options === undefined ||
    (typeof options === 'object' && options !== null && Object.keys(options).length === 0 && !isGuard(options))
  ) {
    throw new TypeError(
      `${CALLER}: options are required: app.register(bearerAuth, { issuer, audience }) or app.register(bearerAuth, { guard })`,
    )
  }
  if (isGuard(options)) return { guard: options, optional: false, bodyTokens: acceptsBodyTokens(options), resourceMetadataRoute: true }
  if (typeof options !== 'object' || options === null) throw new TypeError(`${CALLER}: options must be guard options, a Guard or { guard }`)
  const { hook, resourceMetadataRoute = true } = options
  if (typeof resourceMetadataRoute !== 'boolean') throw new TypeError(`${CALLER}: "resourceMetadataRoute" must be a boolean`)
  if (hook !== undefined && hook !== 'onRequest' && hook !== 'preValidation') {
    throw new TypeError(`${CALLER}: "hook" must be "onRequest" or "preValidation"`)
  }
  const { guard, optional } = resolveAdapterOptions(options, CALLER, PLUGIN_KEYS)
  const bodyTokens = acceptsBodyTokens(guard)
  if (bodyTokens && hook === 'onRequest') {
    throw new TypeError(
      `${CALLER}: hook "onRequest" runs before the body is parsed, so the form-body tokens this guard accepts ` +
        '(tokenLocations includes "body") could never be read; leave "hook" unset (form posts are then verified in preValidation)',
    )
  }
  return { guard, optional, bodyTokens, resourceMetadataRoute }
}

/**
 * Whether the guard reads form-body tokens. A guard from an older copy of the core has no such property: it
 * is taken to read them, so its form posts are verified after parsing rather than refused as tokenless.
 */
function acceptsBodyTokens(guard: Guard): boolean {
  return (guard as Partial<Guard>).acceptsBodyTokens ?? true
}
