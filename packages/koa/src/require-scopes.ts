/** `requireScopes`: a per-route scope requirement, checked against `ctx.state.auth` with the guard's compiled check. */
import { createScopeRequirement, type ScopeMode } from '@bearer-guard/core'
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
 * `bearerAuth`. Scope names are validated now: a bad one throws a `TypeError` at startup.
 */
export function requireScopes(scopes: string | readonly string[], options: RequireScopesOptions = {}): Middleware {
  const requirement = createScopeRequirement(scopes, options.mode)
  // Not async: koa-compose turns a synchronous throw into a rejection.
  return function requireScopes(ctx, next) {
    const guard = guardOf(ctx)
    if (guard === undefined) throw new Error('requireScopes: no bearerAuth middleware ran before this route')
    requirement(guard, ctx.state.auth)
    return next()
  }
}
