/**
 * Reading granted scopes from claims, and checking a route's required scopes (RFC 6750 §3.1,
 * RFC 9068 §2.2.3, RFC 8693 §4.2).
 */
import { readScopeArguments } from './call-shape.js'
import { InsufficientScopeError, InvalidTokenError } from './errors.js'
import { rejection } from './rejection.js'
import type { AuthInfo, JsonValue } from './types.js'

/** `'all'`: every required scope must be granted (the default). `'any'`: one of them is enough. */
export type ScopeMode = 'all' | 'any'

/** RFC 6749 §3.3 scope-token: also what keeps scope names safe inside a challenge's quoted-string. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/

/**
 * Builds a reader for the configured scope claims. Each entry is a claim name, or a dotted path into
 * nested objects (`realm_access.roles`) when no top-level claim has that exact name. Values may be a
 * space-delimited string or an array of strings; anything else makes the token invalid.
 */
export function compileScopeReader(sources: readonly string[]): (claims: Readonly<Record<string, JsonValue>>) => readonly string[] {
  const paths = sources.map((source) => ({ source, segments: source.split('.') }))
  return (claims) => {
    let out: string[] | undefined
    for (const { source, segments } of paths) {
      const value = Object.hasOwn(claims, source) ? claims[source] : segments.length > 1 ? readPath(claims, segments) : undefined
      if (value === undefined || value === null) continue
      const scopes = toScopeList(value)
      if (scopes === undefined) {
        throw new InvalidTokenError('invalid scope claim', { cause: rejection('claim_invalid', { claim: source, actual: value }) })
      }
      out = out === undefined ? scopes : [...new Set([...out, ...scopes])]
    }
    return out ?? []
  }
}

function readPath(claims: Readonly<Record<string, JsonValue>>, segments: readonly string[]): JsonValue | undefined {
  let node: JsonValue | undefined = claims
  for (const segment of segments) {
    if (typeof node !== 'object' || node === null || Array.isArray(node) || !Object.hasOwn(node, segment)) return undefined
    node = node[segment]
  }
  return node
}

/** Up to this many scopes, de-duplication by linear search beats building a Set; beyond, a Set keeps it linear. */
const SMALL_SCOPE_LIST = 16

function toScopeList(value: JsonValue): string[] | undefined {
  if (typeof value === 'string') {
    const parts = value.split(' ')
    if (parts.length > SMALL_SCOPE_LIST) return [...new Set(parts.filter((s) => s !== ''))]
    const out: string[] = []
    for (const part of parts) if (part !== '' && !out.includes(part)) out.push(part)
    return out
  }
  if (!Array.isArray(value)) return undefined
  for (const item of value) if (typeof item !== 'string') return undefined
  return [...new Set(value as string[])]
}

/** A compiled scope requirement: validate names once, check per request. */
export type ScopeCheck = (auth: AuthInfo) => void

/**
 * Validates scope names once and returns a check that throws a 403 `insufficient_scope` error (naming the
 * required scopes) unless `auth.scopes` satisfies them. A bad scope name throws a `TypeError` now.
 */
export function compileScopeCheck(required: readonly string[], mode: ScopeMode = 'all'): ScopeCheck {
  if (typeof required === 'string') {
    throw new TypeError(`requireScopes: scopes are an array of names, e.g. [${JSON.stringify(required)}], not a string`)
  }
  if (!Array.isArray(required) || required.length === 0) throw new TypeError('requireScopes: at least one scope is required')
  for (const scope of required) {
    if (typeof scope !== 'string' || !SCOPE_TOKEN.test(scope)) {
      throw new TypeError(`requireScopes: invalid scope name ${JSON.stringify(scope)} (RFC 6749 §3.3)`)
    }
  }
  if (mode !== 'all' && mode !== 'any') throw new TypeError('requireScopes: mode must be "all" or "any"')
  const scopes = Object.freeze([...required])
  return mode === 'all'
    ? (auth) => {
        for (const scope of scopes) if (!auth.scopes.includes(scope)) throw insufficient(scopes, auth, 'all')
      }
    : (auth) => {
        for (const scope of scopes) if (auth.scopes.includes(scope)) return
        throw insufficient(scopes, auth, 'any')
      }
}

/**
 * Throws {@link InsufficientScopeError} (403, `scope` naming `required`) unless `auth` holds all of them
 * (`mode: 'all'`, the default) or at least one (`mode: 'any'`). `required` is one scope name or an array.
 * Adapters compile the check once per route instead; this form is for ad-hoc checks in handlers. A call of
 * another shape (`requireScopes(auth, 'a', 'b')`, or no `auth`) throws a `TypeError` showing the right one.
 */
export function requireScopes(auth: AuthInfo, required: string | readonly string[], options?: { mode?: ScopeMode }): void
export function requireScopes(auth: unknown, ...rest: unknown[]): void {
  if (typeof auth !== 'object' || auth === null || !Array.isArray((auth as Partial<AuthInfo>).scopes)) {
    throw new TypeError(
      `requireScopes(${rest.length === 0 ? '' : '...'}): the first argument is the AuthInfo that guard.authenticate() or guard.verify() resolved, e.g. requireScopes(auth, ['read:data']); ` +
        'for middleware use requireScopes from @bearer-guard/express or @bearer-guard/koa',
    )
  }
  const { scopes, mode } = readScopeArguments('requireScopes', rest, 'auth, ')
  compileScopeCheck(scopes, mode)(auth as AuthInfo)
}

/** The 403, its cause listing what was required and what the token has. Built only on refusal. */
function insufficient(required: readonly string[], auth: AuthInfo, mode: ScopeMode): InsufficientScopeError {
  return new InsufficientScopeError(required, {
    cause: rejection('insufficient_scope', { required, granted: auth.scopes, mode }, auth.header),
  })
}
