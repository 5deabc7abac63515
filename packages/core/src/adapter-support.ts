/**
 * What every framework adapter needs beyond the guard itself, kept here so Express, Koa and Fastify accept
 * the same option shapes and answer scope failures the same way. Nothing in this module knows a framework.
 */
import { MissingTokenError } from './errors.js'
import { createGuard, type Guard, isGuard } from './guard.js'
import { ADAPTER_OPTION_KEYS, assertKnownKeys, guardOptionNames } from './option-keys.js'
import type { GuardOptions } from './options.js'
import { compileScopeCheck, type ScopeCheck, type ScopeMode } from './scopes.js'
import type { AuthInfo } from './types.js'

/** The `optional` switch every adapter accepts next to the guard options. */
export interface OptionalAuthOption {
  /** Let requests without any token through, with no auth set. A present but bad token still fails. Default false. */
  readonly optional?: boolean
}

/** Guard options (a guard is created from them), a ready {@link Guard}, or `{ guard }` to share one guard. */
export type GuardSource = Guard | GuardOptions | { readonly guard: Guard }

/** What an adapter's `bearerAuth(...)` accepts. */
export type AdapterOptions = Guard | (GuardOptions & OptionalAuthOption) | ({ readonly guard: Guard } & OptionalAuthOption)

/** What {@link resolveAdapterOptions} returns to an adapter: the guard to use and whether auth is optional. */
export interface ResolvedAdapterOptions {
  readonly guard: Guard
  readonly optional: boolean
}

/**
 * Resolves adapter options once, at startup; `caller` prefixes error messages (e.g. `bearerAuth`). Any key
 * that is neither a guard option, `guard`, `optional`, nor one of `adapterKeys` (options the adapter reads
 * itself, e.g. Fastify's `hook`) throws a `TypeError` naming it, with a "did you mean" when one is close.
 */
export function resolveAdapterOptions(
  options: AdapterOptions,
  caller: string,
  adapterKeys: readonly string[] = [],
): ResolvedAdapterOptions {
  if (isGuard(options)) return { guard: options, optional: false }
  if (typeof options !== 'object' || options === null) throw new TypeError(`${caller}: options must be guard options, a Guard or { guard }`)
  assertKnownKeys(options, [...guardOptionNames, 'guard', ...ADAPTER_OPTION_KEYS, ...adapterKeys], caller)
  const { optional = false, ...all } = options
  const rest: Record<string, unknown> = { ...all }
  for (const key of adapterKeys) delete rest[key]
  if (typeof optional !== 'boolean') throw new TypeError(`${caller}: "optional" must be a boolean`)
  if (!('guard' in rest)) return { guard: createGuard(rest as unknown as GuardOptions), optional }
  if (!isGuard(rest.guard)) throw new TypeError(`${caller}: "guard" must be a Guard made by createGuard`)
  // Guard options next to a ready guard would be silently ignored: refuse them instead.
  if (Object.keys(rest).length > 1) throw new TypeError(`${caller}: "guard" cannot be combined with guard options`)
  return { guard: rest.guard, optional }
}

/** A route's scope requirement: names validated when built, then checked per request. */
export type ScopeRequirement = (guard: Guard, auth: AuthInfo | undefined) => void

/**
 * Compiles `scopes` once. The check throws the guard's 401 bare challenge when there is no auth at all
 * (an optional route), and its 403 `insufficient_scope` when scopes are missing, so the challenge carries
 * that guard's realm. One compiled check per guard, kept for the guard's lifetime.
 */
export function createScopeRequirement(scopes: string | readonly string[], mode: ScopeMode = 'all'): ScopeRequirement {
  const required = typeof scopes === 'string' ? [scopes] : scopes
  compileScopeCheck(required, mode)
  const checks = new WeakMap<Guard, ScopeCheck>()
  return (guard, auth) => {
    if (auth === undefined) throw guard.challenge(new MissingTokenError())
    let check = checks.get(guard)
    if (check === undefined) {
      check = guard.scopeCheck(required, mode)
      checks.set(guard, check)
    }
    check(auth)
  }
}
