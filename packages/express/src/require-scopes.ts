/** `requireScopes`: a per-route scope requirement, checked against `req.auth` with the guard's compiled check. */
import { createScopeRequirement, readScopeArguments, type ScopeMode } from '@bearer-guard/core'
import type { RequestHandler } from 'express'
import { guardOf } from './bearer-auth.js'

/** Options of {@link requireScopes}. */
export interface RequireScopesOptions {
  /** `'all'` (default): every scope is needed. `'any'`: one of them is enough. */
  readonly mode?: ScopeMode
}

/**
 * Middleware answering 403 `insufficient_scope` (challenge naming `scopes`) unless `req.auth` holds them,
 * and 401 when the request has no `req.auth` at all (after an optional `bearerAuth`). Must run after
 * `bearerAuth`. Scope names and the call's shape are checked now: several scopes as separate arguments, an unknown
 * option or a bad scope name throws a `TypeError` at startup showing the right call.
 */
export function requireScopes(scopes: string | readonly string[], options?: RequireScopesOptions): RequestHandler
export function requireScopes(...args: unknown[]): RequestHandler {
  // Plain JS can pass anything: requireScopes('a', 'b') must not quietly become requireScopes('a').
  const { scopes, mode } = readScopeArguments('requireScopes', args)
  const requirement = createScopeRequirement(scopes, mode)
  return function requireScopes(req, _res, next) {
    const guard = guardOf(req)
    if (guard === undefined) {
      next(new Error('requireScopes: no bearerAuth middleware ran before this route'))
      return
    }
    try {
      requirement(guard, req.auth)
    } catch (error) {
      next(error)
      return
    }
    next()
  }
}
