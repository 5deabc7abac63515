/**
 * The `introspection` option group (RFC 7662): documentation, defaults and startup validation.
 */
import type { KeyObject, webcrypto } from 'node:crypto'
import type { IntrospectionCache } from './cache.js'

/** How the resource server authenticates to the introspection endpoint (RFC 7662 §2.1, RFC 7523). */
export type IntrospectionClientAuth = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt'

/** The `introspection` option of {@link GuardOptions}: RFC 7662 token introspection, for opaque tokens or all of them. */
export interface IntrospectionOptions {
  /** Introspection endpoint URL. Default: the issuer's discovered `introspection_endpoint` (RFC 8414). */
  readonly endpoint?: string
  /** This resource server's client id at the authorization server. Required. */
  readonly clientId: string
  /** Its secret, for `client_secret_basic` / `client_secret_post`. Never logged, never in errors. */
  readonly clientSecret?: string
  /** Default `client_secret_basic` (the method every RFC 7662 server must support). */
  readonly clientAuth?: IntrospectionClientAuth
  /** Private key signing the `private_key_jwt` client assertion (RFC 7523), with its `alg` and optional `kid`. */
  readonly privateKey?: { readonly key: KeyObject | webcrypto.CryptoKey; readonly alg: string; readonly kid?: string }
  /**
   * `'opaque'` (default): only tokens that are not JWTs (no two dots) are introspected; JWTs are verified
   * locally. `'all'`: every token is introspected (revocation takes effect for JWTs too).
   */
  readonly mode?: 'opaque' | 'all'
  /**
   * Longest time in milliseconds a result (active or not) is reused; revocation takes effect within it.
   * Active results never outlive their `exp`. Default 60000; 0 turns caching off.
   */
  readonly cacheTtlCeiling?: number
  /** Most results kept by the built-in in-memory cache. Default 10000. */
  readonly cacheMaxEntries?: number
  /** A shared cache (e.g. Redis) instead of the in-memory one. Keys are SHA-256 token hashes, never tokens. */
  readonly cache?: IntrospectionCache
  /**
   * Introspection calls allowed per second (a token bucket, burst of the same size); beyond it requests
   * get 503 with `Retry-After: 1`, so a flood of junk tokens cannot become a flood of calls. Default 50.
   */
  readonly callsPerSecond?: number
  /** Shortest token sent to the endpoint, in characters; shorter ones are refused locally. Default 16. */
  readonly minTokenLength?: number
  /**
   * What a token of your authorization server looks like (e.g. `/^[A-Za-z0-9_-]{43}$/` for oidc-provider);
   * others are refused locally, without a call. Default: any RFC 6750 b64token of an acceptable length.
   */
  readonly tokenPattern?: RegExp
}

export interface ResolvedIntrospection {
  readonly endpoint: string | undefined
  readonly clientId: string
  readonly clientSecret: string | undefined
  readonly clientAuth: IntrospectionClientAuth
  readonly privateKey: IntrospectionOptions['privateKey']
  readonly all: boolean
  readonly cacheTtlCeilingMs: number
  /** The user's shared cache; undefined means the built-in one (or none when the ceiling is 0). */
  readonly cache: IntrospectionCache | undefined
  readonly cacheMaxEntries: number
  readonly callsPerSecond: number
  readonly minTokenLength: number
  readonly tokenPattern: RegExp | undefined
}

function fail(option: string, expectation: string): never {
  throw new TypeError(`createGuard: "introspection.${option}" ${expectation}`)
}

function numberIn(value: unknown, option: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max)
    fail(option, `must be a number from ${min} to ${max}`)
  return value
}

const KNOWN = new Set([
  'endpoint',
  'clientId',
  'clientSecret',
  'clientAuth',
  'privateKey',
  'mode',
  'cacheTtlCeiling',
  'cacheMaxEntries',
  'cache',
  'callsPerSecond',
  'minTokenLength',
  'tokenPattern',
])

export function resolveIntrospection(
  value: unknown,
  context: { readonly issuers: readonly string[]; readonly checkUrl: (url: string, what: string) => void },
): ResolvedIntrospection | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError('createGuard: "introspection" must be an object ({ clientId, clientSecret, ... })')
  }
  const options = value as Record<string, unknown>
  // A typo here (clientSecert, cacheTTL) would silently weaken or break the check: refuse unknown keys.
  for (const key of Object.keys(options)) if (!KNOWN.has(key)) fail(key, `is not an introspection option (known: ${[...KNOWN].join(', ')})`)

  const endpoint = options.endpoint
  if (endpoint !== undefined) {
    if (typeof endpoint !== 'string') fail('endpoint', 'must be a URL string')
    context.checkUrl(endpoint, 'createGuard: "introspection.endpoint"')
  } else if (context.issuers.length !== 1) {
    fail('endpoint', 'is required with several issuers (discovery would not know which one to ask)')
  } else {
    // Discovery sends nothing secret, but the endpoint it yields gets the credentials: same URL policy.
    context.checkUrl(context.issuers[0] as string, 'createGuard: "issuer" (used to discover introspection_endpoint)')
  }
  if (typeof options.clientId !== 'string' || options.clientId === '') fail('clientId', 'must be a non-empty string')
  const clientAuth = options.clientAuth ?? 'client_secret_basic'
  if (clientAuth !== 'client_secret_basic' && clientAuth !== 'client_secret_post' && clientAuth !== 'private_key_jwt') {
    fail('clientAuth', 'must be "client_secret_basic", "client_secret_post" or "private_key_jwt"')
  }
  const secret = options.clientSecret
  if (clientAuth === 'private_key_jwt') {
    if (secret !== undefined) fail('clientSecret', 'cannot be used with private_key_jwt')
    const pk = options.privateKey as { key?: unknown; alg?: unknown; kid?: unknown } | undefined
    if (typeof pk !== 'object' || pk === null || typeof pk.key !== 'object' || pk.key === null || typeof pk.alg !== 'string') {
      fail('privateKey', 'must be { key, alg, kid? } with private_key_jwt')
    }
    if (pk.alg.startsWith('HS') || pk.alg === 'none') fail('privateKey', 'must use an asymmetric algorithm')
    if (pk.kid !== undefined && typeof pk.kid !== 'string') fail('privateKey', 'kid must be a string')
  } else {
    if (typeof secret !== 'string' || secret === '') fail('clientSecret', `must be a non-empty string with ${clientAuth}`)
    if (options.privateKey !== undefined) fail('privateKey', 'is only used with clientAuth "private_key_jwt"')
  }
  const mode = options.mode ?? 'opaque'
  if (mode !== 'opaque' && mode !== 'all') fail('mode', 'must be "opaque" or "all"')
  const cacheTtlCeilingMs = numberIn(options.cacheTtlCeiling, 'cacheTtlCeiling', 60_000, 0, 86_400_000)
  const maxEntries = numberIn(options.cacheMaxEntries, 'cacheMaxEntries', 10_000, 1, 10_000_000)
  if (!Number.isInteger(maxEntries)) fail('cacheMaxEntries', 'must be a whole number')
  const custom = options.cache as IntrospectionCache | undefined
  if (
    custom !== undefined &&
    (typeof custom !== 'object' || custom === null || typeof custom.get !== 'function' || typeof custom.set !== 'function')
  ) {
    fail('cache', 'must have get(key) and set(key, value, ttlMs) methods')
  }
  if (custom !== undefined && cacheTtlCeilingMs === 0) fail('cache', 'is unused with cacheTtlCeiling 0')
  const tokenPattern = options.tokenPattern
  if (tokenPattern !== undefined && !(tokenPattern instanceof RegExp)) fail('tokenPattern', 'must be a RegExp')
  if (tokenPattern?.global === true || tokenPattern?.sticky === true)
    fail('tokenPattern', 'must not have the g or y flag (test() would keep state)')
  return {
    endpoint: endpoint as string | undefined,
    clientId: options.clientId,
    clientSecret: secret as string | undefined,
    clientAuth,
    privateKey: options.privateKey as IntrospectionOptions['privateKey'],
    all: mode === 'all',
    cacheTtlCeilingMs,
    cache: custom,
    cacheMaxEntries: maxEntries,
    callsPerSecond: numberIn(options.callsPerSecond, 'callsPerSecond', 50, 0.1, 100_000),
    minTokenLength: numberIn(options.minTokenLength, 'minTokenLength', 16, 1, 4096),
    tokenPattern,
  }
}
