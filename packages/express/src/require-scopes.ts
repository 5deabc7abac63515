/** `requireScopes`: a per-route scope requirement, checked against `req.auth` with the guard's compiled check. */
import { compileScopeCheck, type Guard, MissingTokenError, type ScopeCheck, type ScopeMode } from '@bearer-guard/core'
import type { RequestHandler } from 'express'
import { guardOf } from './bearer-auth.js'

export interface RequireScopesOptions {
  /** `'all'` (default): every scope is needed. `'any'`: one of them is enough. */
  readonly mode?: ScopeMode
}

/**
 * Middleware answering 403 `insufficient_scope` (challenge naming `scopes`) unless `req.auth` holds them,
 * and 401 when the request has no `req.auth` at all (after an optional `bearerAuth`). Must run after
 * `bearerAuth`. Scope names are validated now: a bad one throws a `TypeError` at startup.
 */
export function requireScopes(scopes: string | readonly string[], options: RequireScopesOptions = {}): RequestHandler {
  const required = typeof scopes === 'string' ? [scopes] : scopes
  const mode = options.mode ?? 'all'
  compileScopeCheck(required, mode)
  // One compiled check per guard (in practice one guard), so 403 challenges carry that guard's realm.
  const checks = new WeakMap<Guard, ScopeCheck>()
  return function requireScopes(req, _res, next) {
    const guard = guardOf(req)
    if (guard === undefined) {
      next(new Error('requireScopes: no bearerAuth middleware ran before this route'))
      return
    }
    const auth = req.auth
    if (auth === undefined) {
      next(guard.challenge(new MissingTokenError()))
      return
    }
    let check = checks.get(guard)
    if (check === undefined) {
      check = guard.scopeCheck(required, mode)
      checks.set(guard, check)
    }
    try {
      check(auth)
    } catch (error) {
      next(error)
      return
    }
    next()
  }
}
