/**
 * Guard options: their documentation, defaults and validation. Everything is checked once, when
 * {@link createGuard} runs; a bad value throws a `TypeError` naming the option. Nothing re-reads options
 * per request.
 */
import { createSecretKey, type KeyObject } from 'node:crypto'
import { isIP } from 'node:net'
import type { KeySetFetchEvent } from './jwks/remote-key-set.js'
import {
  ALGORITHMS,
  type Algorithm,
  DEFAULT_ASYMMETRIC_ALGORITHMS,
  DEFAULT_SYMMETRIC_ALGORITHMS,
  isAlgorithm,
  isSymmetric,
} from './jwt/algorithms.js'
import type { TokenLocation } from './request/extract-token.js'
import type { AuthInfo } from './types.js'

/** Options of {@link createGuard}, checked once when the guard is created (a bad value throws a `TypeError` naming it). */
export interface GuardOptions {
  /** Accepted `iss` value(s), compared exactly (a trailing slash matters). Required. */
  readonly issuer: string | readonly string[]
  /** Accepted `aud` value(s); a token passes when one of its `aud` values is among them. Required. */
  readonly audience: string | readonly string[]
  /**
   * The JWKS URL. When absent, each issuer's `jwks_uri` is discovered from its RFC 8414 / OpenID metadata
   * on first use, and each issuer's tokens are verified with that issuer's keys only (RFC 8725 §3.8).
   */
  readonly jwksUri?: string
  /**
   * Allowed JWS algorithms. Default: every asymmetric algorithm (RS/PS/ES 256-512, EdDSA, Ed25519); with
   * `secret`, those of HS256/384/512 the secret is long enough for. `none` can never be allowed, and HS* only
   * with `secret`.
   */
  readonly algorithms?: readonly Algorithm[]
  /** Shared secret for HS* tokens, instead of a JWKS. At least as long as the hash output (RFC 7518 §3.2). */
  readonly secret?: string | Uint8Array | KeyObject
  /** Seconds of clock skew tolerated on `exp`, `nbf` and `iat`. Default 5, at most 300. */
  readonly clockTolerance?: number
  /** Maximum age in seconds since `iat`; makes `iat` required. Default: no limit. */
  readonly maxTokenAge?: number
  /** Claims that must be present, beyond `exp` (always required), `iss` and `aud`. */
  readonly requiredClaims?: readonly string[]
  /**
   * RFC 9068 strict profile: `typ` must be `at+jwt` (or `application/at+jwt`), and `iss exp aud sub
   * client_id iat jti` are required. Default false: `typ` may be absent, `JWT` or `at+jwt`; other explicit
   * token types (`dpop+jwt`, `logout+jwt`, ...) are always refused (RFC 8725 §3.11).
   */
  readonly strict?: boolean
  /**
   * Claim(s) holding granted scopes: a name or a dotted path (`realm_access.roles`), string
   * (space-delimited) or array values. Default `['scope', 'scp']`. Auth0 RBAC: `['scope', 'permissions']`.
   */
  readonly scopeClaim?: string | readonly string[]
  /**
   * Extra checks on a verified token, run on every request (cache hits included). Throw (a BearerError
   * passes through as is) or return (or resolve) `false` to reject with 401 `invalid_token`.
   */
  readonly validate?: (auth: AuthInfo) => unknown
  /** `realm` of the `WWW-Authenticate` challenge. Default: none. */
  readonly realm?: string
  /** RFC 9728 protected resource metadata URL, advertised as `resource_metadata` in every challenge. */
  readonly resourceMetadata?: string
  /** Where tokens are accepted. Default `['header']`; `query` and `body` are RFC 6750 opt-ins. */
  readonly tokenLocations?: readonly TokenLocation[]
  /** Longest token accepted, in characters; longer ones are refused before any parsing. Default 8192. */
  readonly maxTokenLength?: number
  /** JWKS and discovery request timeout in milliseconds (headers and body). Default 5000. */
  readonly timeoutDuration?: number
  /** Minimum milliseconds between refetches caused by unknown `kid`s. Default 30000. */
  readonly cooldownDuration?: number
  /** Milliseconds a fetched JWKS is fresh, unless `Cache-Control: max-age` says otherwise. Default 600000. */
  readonly cacheMaxAge?: number
  /** Honour the JWKS response's `Cache-Control: max-age`, clamped to 1 min - 24 h. Default true. */
  readonly honorCacheControl?: boolean
  /** Milliseconds past max age a JWKS keeps serving while refreshes fail. Default 3600000 (1 h). */
  readonly staleIfErrorDuration?: number
  /** Largest JWKS or metadata response read, in bytes. Default 524288 (512 KiB). */
  readonly maxResponseSize?: number
  /** Follow HTTP redirects from the JWKS/metadata endpoints. Default false. */
  readonly followRedirects?: boolean
  /**
   * Allow `http:` JWKS and discovery URLs on non-loopback hosts. Default false: plain HTTP is accepted only
   * for 127.0.0.0/8, ::1 and localhost.
   */
  readonly allowInsecureHttp?: boolean
  /** `fetch` used for JWKS and discovery (e.g. one with a proxy agent). Default `globalThis.fetch`. */
  readonly fetch?: typeof globalThis.fetch
  /** Extra headers sent with JWKS and discovery requests. */
  readonly fetchHeaders?: Readonly<Record<string, string>>
  /** Verified-token cache: `false` to turn off, or the maximum entry count. Default 1000. */
  readonly tokenCache?: false | { readonly maxEntries?: number }
  /** Called after every JWKS fetch attempt, for logs and metrics. */
  readonly onJwksFetch?: (event: KeySetFetchEvent) => void
  /** Clock in milliseconds since the epoch. Default `Date.now`. For tests. */
  readonly clock?: () => number
}

export interface ResolvedOptions {
  readonly issuers: readonly string[]
  readonly audiences: readonly string[]
  readonly jwksUri: string | undefined
  readonly algorithms: ReadonlySet<Algorithm>
  readonly algorithmList: readonly Algorithm[]
  readonly secret: KeyObject | undefined
  readonly clockToleranceSeconds: number
  readonly maxTokenAgeSeconds: number | undefined
  readonly requiredClaims: readonly string[]
  readonly strict: boolean
  readonly scopeClaims: readonly string[]
  readonly validate: GuardOptions['validate']
  readonly realm: string | undefined
  readonly resourceMetadata: string | undefined
  readonly query: boolean
  readonly body: boolean
  readonly maxTokenLength: number
  readonly timeoutMs: number
  readonly cooldownMs: number
  readonly cacheMaxAgeMs: number
  readonly honorCacheControl: boolean
  readonly staleIfErrorMs: number
  readonly maxResponseBytes: number
  readonly followRedirects: boolean
  readonly allowInsecureHttp: boolean
  readonly fetch: typeof globalThis.fetch
  readonly fetchHeaders: Readonly<Record<string, string>>
  readonly tokenCacheSize: number
  readonly onJwksFetch: GuardOptions['onJwksFetch']
  readonly clock: () => number
}

const STRICT_CLAIMS = ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'] as const

function fail(option: string, expectation: string): never {
  throw new TypeError(`createGuard: "${option}" ${expectation}`)
}

function stringList(value: unknown, option: string): string[] {
  const list = typeof value === 'string' ? [value] : value
  if (!Array.isArray(list) || list.length === 0) fail(option, 'must be a non-empty string or array of strings')
  for (const item of list) if (typeof item !== 'string' || item === '') fail(option, 'must contain non-empty strings only')
  return [...new Set(list as string[])]
}

function duration(value: unknown, option: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    fail(option, `must be a number from ${min} to ${max}`)
  }
  return value
}

function bool(value: unknown, option: string, fallback: boolean): boolean {
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') fail(option, 'must be a boolean')
  return value
}

const LOOPBACK_NAMES = new Set(['localhost', '[::1]'])

function isLoopback(hostname: string): boolean {
  // Only names that cannot leave the machine whatever the resolver says: not `*.localhost` (RFC 6761 asks
  // resolvers to keep it local, but nothing here can check that they do).
  if (LOOPBACK_NAMES.has(hostname)) return true
  return isIP(hostname) === 4 && hostname.startsWith('127.')
}

/** Throws unless `url` is https, or http on loopback, or http anywhere with `allowInsecureHttp`. */
export function assertFetchableUrl(url: string, what: string, allowInsecureHttp: boolean): void {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new TypeError(`${what} is not a valid URL`)
  }
  if (parsed.protocol === 'https:') return
  if (parsed.protocol !== 'http:') throw new TypeError(`${what} must be an https URL`)
  if (!allowInsecureHttp && !isLoopback(parsed.hostname)) {
    throw new TypeError(`${what} must use https (plain http is only allowed for loopback hosts, or with allowInsecureHttp)`)
  }
}

export function resolveOptions(options: GuardOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError('createGuard: options must be an object')
  const issuers = stringList(options.issuer, 'issuer')
  const audiences = stringList(options.audience, 'audience')
  const allowInsecureHttp = bool(options.allowInsecureHttp, 'allowInsecureHttp', false)

  let secret: KeyObject | undefined
  if (options.secret !== undefined) {
    if (options.jwksUri !== undefined) fail('secret', 'cannot be combined with jwksUri')
    const raw = options.secret
    if (typeof raw === 'string') secret = createSecretKey(Buffer.from(raw, 'utf8'))
    else if (raw instanceof Uint8Array) secret = createSecretKey(raw)
    else if (typeof raw === 'object' && raw !== null && (raw as KeyObject).type === 'secret') secret = raw as KeyObject
    else fail('secret', 'must be a string, a Uint8Array or a secret KeyObject')
  }

  // By default a secret serves the HS* it is long enough for (RFC 7518 §3.2): a 32-byte secret means HS256 only.
  // When none fits, HS256 stays in so the length check below names the minimum.
  const secretBytes = secret?.symmetricKeySize ?? 0
  const secretDefaults = DEFAULT_SYMMETRIC_ALGORITHMS.filter((alg) => secretBytes >= (ALGORITHMS[alg].minSecretBytes ?? 0))
  const symmetricDefaults = secretDefaults.length > 0 ? secretDefaults : DEFAULT_SYMMETRIC_ALGORITHMS.slice(0, 1)
  const defaults = secret ? symmetricDefaults : DEFAULT_ASYMMETRIC_ALGORITHMS
  const algorithmList = [...new Set(options.algorithms ?? defaults)]
  if (!Array.isArray(options.algorithms ?? algorithmList) || algorithmList.length === 0) fail('algorithms', 'must be a non-empty array')
  for (const alg of algorithmList) {
    if (!isAlgorithm(alg)) fail('algorithms', `contains unsupported algorithm ${JSON.stringify(alg)} ("none" is never allowed)`)
    if (isSymmetric(alg) !== (secret !== undefined)) {
      fail(
        'algorithms',
        secret
          ? `contains ${alg}, but only HS* can be used with secret`
          : `contains ${alg}, which needs a secret and cannot be used with a JWKS`,
      )
    }
    const minBytes = ALGORITHMS[alg].minSecretBytes
    if (secret && minBytes !== undefined && (secret.symmetricKeySize ?? 0) < minBytes) {
      fail('secret', `must be at least ${minBytes} bytes for ${alg} (RFC 7518 §3.2)`)
    }
  }

  let jwksUri: string | undefined
  if (options.jwksUri !== undefined) {
    if (typeof options.jwksUri !== 'string') fail('jwksUri', 'must be a string')
    assertFetchableUrl(options.jwksUri, 'createGuard: "jwksUri"', allowInsecureHttp)
    jwksUri = options.jwksUri
  } else if (!secret) {
    for (const issuer of issuers) assertFetchableUrl(issuer, `createGuard: "issuer" ${issuer} (used for discovery)`, allowInsecureHttp)
  }

  const strict = bool(options.strict, 'strict', false)
  const maxTokenAgeSeconds =
    options.maxTokenAge === undefined ? undefined : duration(options.maxTokenAge, 'maxTokenAge', 0, 1, 10 * 365 * 86400)
  const extraClaims = options.requiredClaims === undefined ? [] : stringList(options.requiredClaims, 'requiredClaims')
  const requiredClaims = [
    ...new Set(['exp', ...extraClaims, ...(strict ? STRICT_CLAIMS : []), ...(maxTokenAgeSeconds !== undefined ? ['iat'] : [])]),
  ]

  const locations = options.tokenLocations ?? ['header']
  if (
    !Array.isArray(locations) ||
    locations.some((l) => l !== 'header' && l !== 'query' && l !== 'body') ||
    !locations.includes('header')
  ) {
    fail('tokenLocations', 'must be an array of "header", "query", "body" that includes "header" (RFC 6750 §2.1)')
  }
  if (options.validate !== undefined && typeof options.validate !== 'function') fail('validate', 'must be a function')
  if (options.onJwksFetch !== undefined && typeof options.onJwksFetch !== 'function') fail('onJwksFetch', 'must be a function')
  const headers: unknown = options.fetchHeaders
  if (
    headers !== undefined &&
    (typeof headers !== 'object' || headers === null || Array.isArray(headers) || Object.values(headers).some((v) => typeof v !== 'string'))
  ) {
    fail('fetchHeaders', 'must be an object of string header values')
  }
  if (options.fetch !== undefined && typeof options.fetch !== 'function') fail('fetch', 'must be a function')
  if (options.clock !== undefined && typeof options.clock !== 'function') fail('clock', 'must be a function')
  for (const name of ['realm', 'resourceMetadata'] as const) {
    const value = options[name]
    if (value !== undefined && (typeof value !== 'string' || !/^[\x20\x21\x23-\x5B\x5D-\x7E]*$/.test(value))) {
      fail(name, 'must be a string of printable ASCII without " or \\')
    }
  }
  const cache = options.tokenCache
  if (cache !== undefined && cache !== false && (typeof cache !== 'object' || cache === null))
    fail('tokenCache', 'must be false or { maxEntries }')
  const tokenCacheSize = cache === false ? 0 : duration(cache?.maxEntries, 'tokenCache.maxEntries', 1000, 1, 10_000_000)
  if (!Number.isInteger(tokenCacheSize)) fail('tokenCache.maxEntries', 'must be a whole number')

  return {
    issuers,
    audiences,
    jwksUri,
    algorithms: new Set(algorithmList),
    algorithmList,
    secret,
    clockToleranceSeconds: duration(options.clockTolerance, 'clockTolerance', 5, 0, 300),
    maxTokenAgeSeconds,
    requiredClaims,
    strict,
    scopeClaims: options.scopeClaim === undefined ? ['scope', 'scp'] : stringList(options.scopeClaim, 'scopeClaim'),
    validate: options.validate,
    realm: options.realm,
    resourceMetadata: options.resourceMetadata,
    query: locations.includes('query'),
    body: locations.includes('body'),
    maxTokenLength: duration(options.maxTokenLength, 'maxTokenLength', 8192, 64, 1_048_576),
    timeoutMs: duration(options.timeoutDuration, 'timeoutDuration', 5000, 1, 120_000),
    cooldownMs: duration(options.cooldownDuration, 'cooldownDuration', 30_000, 0, 86_400_000),
    cacheMaxAgeMs: duration(options.cacheMaxAge, 'cacheMaxAge', 600_000, 1, 7 * 86_400_000),
    honorCacheControl: bool(options.honorCacheControl, 'honorCacheControl', true),
    staleIfErrorMs: duration(options.staleIfErrorDuration, 'staleIfErrorDuration', 3_600_000, 0, 7 * 86_400_000),
    maxResponseBytes: duration(options.maxResponseSize, 'maxResponseSize', 524_288, 1024, 64 * 1_048_576),
    followRedirects: bool(options.followRedirects, 'followRedirects', false),
    allowInsecureHttp,
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    fetchHeaders: { ...(options.fetchHeaders ?? {}) },
    tokenCacheSize,
    onJwksFetch: options.onJwksFetch,
    clock: options.clock ?? Date.now,
  }
}
