/** Turns the accepted option shapes into one guard, created once when the middleware is built. */
import { createGuard, type Guard, type GuardOptions, isGuard } from '@bearer-guard/core'

export interface OptionalAuthOption {
  /** Let requests without any token through, with no `req.auth`. A present but bad token still fails. Default false. */
  readonly optional?: boolean
}

/** Guard options (a guard is created from them), a ready {@link Guard}, or `{ guard }` to share one guard between middleware. */
export type BearerAuthOptions = Guard | (GuardOptions & OptionalAuthOption) | ({ readonly guard: Guard } & OptionalAuthOption)

export interface ResolvedAuth {
  readonly guard: Guard
  readonly optional: boolean
}

export function resolveAuthOptions(options: BearerAuthOptions, caller: string): ResolvedAuth {
  if (isGuard(options)) return { guard: options, optional: false }
  if (typeof options !== 'object' || options === null) throw new TypeError(`${caller}: options must be guard options, a Guard or { guard }`)
  const { optional = false, ...rest } = options
  if (typeof optional !== 'boolean') throw new TypeError(`${caller}: "optional" must be a boolean`)
  if (!('guard' in rest)) return { guard: createGuard(rest), optional }
  if (!isGuard(rest.guard)) throw new TypeError(`${caller}: "guard" must be a Guard made by createGuard`)
  // Guard options next to a ready guard would be silently ignored: refuse them instead.
  if (Object.keys(rest).length > 1) throw new TypeError(`${caller}: "guard" cannot be combined with guard options`)
  return { guard: rest.guard, optional }
}
