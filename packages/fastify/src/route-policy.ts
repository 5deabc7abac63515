/**
 * Per-route `config.auth`, compiled once when the route is registered: `false` makes the route public,
 * `{ scopes, mode, optional }` sets its requirement. A bad value throws then, naming the route.
 */
import type { Guard, ScopeCheck, ScopeMode } from '@bearer-guard/core'

/** A route's `config.auth` (or `false` to make the route public): its scopes, their mode, or `optional`. */
export interface RouteAuthConfig {
  /** Scopes the token must hold: one name or several. */
  readonly scopes?: string | readonly string[]
  /** With `scopes`: `'all'` (default) needs every scope, `'any'` one of them. */
  readonly mode?: ScopeMode
  /** Overrides the plugin's `optional` for this route. Cannot be combined with `scopes`. */
  readonly optional?: boolean
  // Fastify infers a route's config type from the literal and intersects it with this one, so an unknown
  // key would type-check; these likely misspellings of `scopes` are refused by the types as well.
  /** Not an option: write `scopes`. */
  readonly scope?: never
  /** Not an option: write `scopes`. */
  readonly scp?: never
  /** Not an option: write `scopes`. */
  readonly permissions?: never
  /** Not an option: write `scopes`. */
  readonly roles?: never
  /** Not an option: a route with `config.auth` requires a token unless `optional: true`. */
  readonly required?: never
}

/** `false`: public route, nothing runs. Otherwise what the hook does for the route. */
export type RoutePolicy =
  | false
  | {
      readonly authenticateOptions: { readonly optional: boolean }
      readonly check: ScopeCheck | undefined
    }

const KEYS = new Set(['scopes', 'mode', 'optional'])
const SCOPE_TYPOS = new Set(['scope', 'scp', 'permissions', 'roles'])

export function defaultPolicy(optional: boolean): RoutePolicy {
  return { authenticateOptions: { optional }, check: undefined }
}

export function compileRoutePolicy(auth: unknown, guard: Guard, fallback: RoutePolicy, route: string): RoutePolicy {
  if (auth === undefined) return fallback
  if (auth === false) return false
  const fail = (problem: string): never => {
    throw new TypeError(`@bearer-guard/fastify: route ${route}: config.auth ${problem}`)
  }
  if (typeof auth !== 'object' || auth === null || Array.isArray(auth)) fail('must be false or { scopes, mode, optional }')
  const config = auth as Record<string, unknown>
  // A misspelt key (`scope`) would otherwise silently drop a requirement.
  for (const key of Object.keys(config)) {
    if (!KEYS.has(key))
      fail(`has unknown key "${key}"${SCOPE_TYPOS.has(key) ? ' (did you mean "scopes"?)' : ''}; it takes scopes, mode, optional`)
  }
  const { scopes, mode, optional } = config as RouteAuthConfig
  if (optional !== undefined && typeof optional !== 'boolean') fail('.optional must be a boolean')
  if (scopes === undefined) {
    if (mode !== undefined) fail('.mode needs scopes')
    return optional === undefined ? fallback : defaultPolicy(optional)
  }
  // An anonymous caller would otherwise get further than a token lacking the scopes.
  if (optional === true) fail('.optional cannot be combined with scopes')
  const list = typeof scopes === 'string' ? [scopes] : scopes
  let check: ScopeCheck
  try {
    check = guard.scopeCheck(list, mode)
  } catch (error) {
    return fail(`.scopes: ${(error as Error).message}`)
  }
  return { authenticateOptions: { optional: false }, check }
}
