/**
 * Argument checks for the functions users call at startup in plain JavaScript, where nothing stops
 * `requireScopes('read:data', 'write:data')` (the second scope would be read as options and dropped) or
 * `app.use(bearerAuth)` (never called). A call that is not what the signature says throws a `TypeError`
 * showing the right call, instead of quietly protecting less than it reads.
 */
import type { ScopeMode } from './scopes.js'

/** A `requireScopes(scopes, options?)` call, read and checked; scope names are checked when compiled. */
export interface ScopeArguments {
  readonly scopes: readonly string[]
  readonly mode: ScopeMode
}

const SAMPLE = "'read:data'"

function show(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`
  if (typeof value === 'function') return 'a function'
  if (value === null || typeof value !== 'object') return String(value)
  return Array.isArray(value) ? `[${value.map(show).join(', ')}]` : 'an object'
}

/**
 * True when a function was handed to a framework uncalled and is now running as middleware: Express calls
 * it with `(req, res, next)`, Koa with `(ctx, next)`, Fastify hooks with `(request, reply)`.
 */
export function looksLikeMiddlewareCall(args: readonly unknown[]): boolean {
  const last = args.at(-1)
  if (args.length >= 2 && typeof last === 'function') return true
  const first = args[0]
  return (
    typeof first === 'object' &&
    first !== null &&
    !Array.isArray(first) &&
    ('headers' in first || 'req' in first || 'raw' in first) &&
    ('method' in first || 'request' in first)
  )
}

/**
 * Reads `(scopes, options?)` for an adapter's `requireScopes` (`caller` is its name as users write it,
 * e.g. `requireScopes` or `app.requireScopes`). Throws a `TypeError` naming the right call for several
 * scopes passed as separate arguments, an uncalled middleware, unknown option keys and a bad `mode`.
 */
export function readScopeArguments(caller: string, args: readonly unknown[], leading = ''): ScopeArguments {
  const call = (inner: string): string => `${caller}(${leading}${inner})`
  if (leading === '' && looksLikeMiddlewareCall(args)) {
    throw new TypeError(`${caller} was used as middleware without being called: write ${caller}(${SAMPLE}) (or an array of scopes)`)
  }
  const [scopes, options] = args
  if (args.length > 2 || typeof options === 'string' || Array.isArray(options)) {
    const names = args.flatMap((arg) => (Array.isArray(arg) ? arg : [arg])).filter((arg) => typeof arg === 'string')
    const list = `[${names.map(show).join(', ')}]`
    throw new TypeError(
      `${call(args.map(show).join(', '))}: scopes go in one array, the next argument is options. ` +
        `Write ${call(list)} to need all of them, or ${call(`${list}, { mode: 'any' }`)} to need one of them`,
    )
  }
  const list = readScopeList(call, scopes)
  return { scopes: list, mode: readMode(call, options, list) }
}

function readScopeList(call: (inner: string) => string, scopes: unknown): readonly string[] {
  if (typeof scopes === 'string') return [scopes]
  if (Array.isArray(scopes)) {
    if (scopes.length === 0) throw new TypeError(`${call('[]')}: at least one scope is required, e.g. ${call(SAMPLE)}`)
    return scopes
  }
  if (scopes === undefined) throw new TypeError(`${call('')}: at least one scope is required, e.g. ${call(SAMPLE)}`)
  throw new TypeError(`${call(`${show(scopes)}, ...`)}: scopes are a scope name or an array of them, e.g. ${call(SAMPLE)}`)
}

function readMode(call: (inner: string) => string, options: unknown, list: readonly string[]): ScopeMode {
  if (options === undefined) return 'all'
  const example = call(`${show(list)}, { mode: 'any' }`)
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(
      `${call(`${show(list)}, ${show(options)}`)}: after the scopes comes options, { mode: 'all' | 'any' }, e.g. ${example}`,
    )
  }
  for (const key of Object.keys(options)) {
    if (key !== 'mode')
      throw new TypeError(
        `${call(`${show(list)}, { ${key} }`)}: unknown option "${key}"; the only option is mode ('all' or 'any'), e.g. ${example}`,
      )
  }
  const { mode = 'all' } = options as { mode?: unknown }
  if (mode !== 'all' && mode !== 'any')
    throw new TypeError(`${call(`${show(list)}, { mode: ${show(mode)} }`)}: mode must be 'all' or 'any', e.g. ${example}`)
  return mode
}

/**
 * Checks that an adapter's `bearerAuth(options)` got exactly one argument: refuses `app.use(bearerAuth)`
 * (the function itself running as middleware) and a second argument (`bearerAuth(guard, { optional: true })`),
 * which would otherwise be ignored.
 */
export function checkBearerAuthArguments(caller: string, args: readonly unknown[]): void {
  if (looksLikeMiddlewareCall(args)) {
    throw new TypeError(
      `${caller} was used as middleware without being called: write ${caller}({ issuer, audience }) (or ${caller}(guard)) once, at startup`,
    )
  }
  if (args.length > 1) {
    throw new TypeError(
      `${caller} takes one argument: put everything in it, e.g. ${caller}({ guard, optional: true }) or ${caller}({ issuer, audience, optional: true })`,
    )
  }
}
