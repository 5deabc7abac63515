/** `requireScopes`: a per-route scope requirement, checked against `ctx.state.auth` with the guard's compiled check. */
import { createScopeRequirement, readScopeArguments, type ScopeMode } from '@bearer-guard/core'
import type { Middleware } from 'koa'
import { guardOf } from './bearer-auth.js'

/** Options of {@link requireScopes}. */
export interface RequireScopesOptions {
  /** `'all'` (default): every scope is needed. `'any'`: one of them is enough. */
  readonly mode?: ScopeMode
}

/**
 * Middleware throwing 403 `insufficient_scope` (challenge naming `scopes`) unless `ctx.state.auth` holds
 * them, and 401 when there is no `ctx.state.auth` at all (after an optional `bearerAuth`). Must run after
 * `bearerAuth`. Scope names and the call's shape are checked now: several scopes as separate arguments, an unknown
 * option or a bad scope name throws a `TypeError` at startup showing the right call.
 */
export function requireScopes(scopes: string | readonly string[], options?: RequireScopesOptions): Middleware
export function requireScopes(...args: unknown[]): Middleware {
  // Plain JS can pass anything: requireScopes('a', 'b') must not quietly become requireScopes('a').
  const { scopes, mode } = readScopeArguments('requireScopes', args)
  const requirement = createScopeRequirement(scopes, mode)
  // Not async: koa-compose turns a synchronous throw into a rejection.
  return function requireScopes(ctx, next) {
    const guard = guardOf(ctx)
    if (guard === undefined) throw new Error('requireScopes: no bearerAuth middleware ran before this route')
    requirement(guard, ctx.state.auth)
    return next()
  }
}
