/**
 * Guard options: their documentation, defaults and validation. Everything is checked once, when
 * {@link createGuard} runs; a bad value throws a `TypeError` naming the option. Nothing re-reads options
 * per request.
 */
import { createSecretKey, type KeyObject } from 'node:crypto'
import { isIP } from 'node:net'
import {
  type AudienceReplacement,
  type ClaimPolicy,
  type ClaimValueRules,
  isAudienceReplacement,
  resolveClaimPolicy,
} from './claim-policy.js'
import { dpopResourceMetadata } from './dpop/metadata.js'
import { type DpopOptions, type ResolvedDpopOptions, resolveDpopOptions } from './dpop/options.js'
import { type IntrospectionOptions, type ResolvedIntrospection, resolveIntrospection } from './introspection/options.js'
import type { KeySetFetchEvent } from './jwks/remote-key-set.js'
import {
  ALGORITHMS,
  type Algorithm,
  DEFAULT_ASYMMETRIC_ALGORITHMS,
  DEFAULT_SYMMETRIC_ALGORITHMS,
  isAlgorithm,
  isSymmetric,
} from './jwt/algorithms.js'
import { assertKnownKeys, guardOptionNames, TOKEN_CACHE_KEYS } from './option-keys.js'
import type { TokenLocation } from './request/extract-token.js'
import { type ProtectedResource, type ProtectedResourceOptions, resolveProtectedResource } from './resource-metadata/document.js'
import type { AuthInfo } from './types.js'

/**
 * Guard options: {@link GuardOptionsBase} with `audience`, `protectedResource`, or both (a guard needs to
 * know which `aud` to accept).
 */
export type GuardOptions = GuardOptionsBase &
  ({ readonly audience: string | readonly string[] | AudienceReplacement } | { readonly protectedResource: ProtectedResourceOptions })

/** Every guard option; see {@link GuardOptions} for which are required. */
export interface GuardOptionsBase {
  /** Accepted `iss` value(s), compared exactly (a trailing slash matters). Required. */
  readonly issuer: string | readonly string[]
  /**
   * Accepted `aud` value(s); a token passes when one of its `aud` values is among them. Required, unless
   * `protectedResource` is set: its `resource` is always accepted too (RFC 8707 resource indicators). For
   * providers whose access tokens carry no `aud` (Cognito), `{ replacedBy: { claim: value(s), ... } }` names
   * the equivalent check instead: every listed claim must hold an accepted value.
   */
  readonly audience?: string | readonly string[] | AudienceReplacement
  /** Claims that must hold one of the given values, e.g. Keycloak `{ typ: 'Bearer' }`, Entra `{ tid: [...] }`. */
  readonly claimValues?: ClaimValueRules
  /**
   * Claim(s) read, in order, for `AuthInfo.clientId` (Okta `cid`, Entra `appid`/`azp`, Cognito `client_id`).
   * Naming it makes it required: a token carrying none is refused. Default `['client_id', 'azp']`, optional.
   */
  readonly clientIdClaim?: string | readonly string[]
  /** Opaque tokens (or all tokens) checked by OAuth 2.0 token introspection (RFC 7662). Default: off. */
  readonly introspection?: IntrospectionOptions
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
  /**
   * Seconds of clock skew tolerated on `exp`, `nbf` and `iat`. Default 5, from 0 to 300. A token whose
   * `iat` is further in the future than this is refused (policy, see the README).
   */
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
   * Extra checks on a verified token, run on every request (cache hits included). The token is accepted
   * only when the hook returns (or resolves) `true` or nothing (`undefined`). Any other value rejects with
   * 401 `invalid_token` (`cause.reason` `validate_rejected`, the value's type in `cause.returned`): `false`,
   * and also `0`, `null`, `''`, an object or a number, so a hook that returns a row count or a lookup result
   * cannot pass a token by accident. Throwing rejects too (a BearerError passes through as is).
   */
  readonly validate?: (auth: AuthInfo) => unknown
  /** `realm` of the `WWW-Authenticate` challenge. Default: none. */
  readonly realm?: string
  /**
   * @deprecated Use `protectedResource`, which derives this URL and serves the document. A metadata URL
   * advertised as `resource_metadata` in every challenge (RFC 9728 §5.1); cannot be combined with
   * `protectedResource`.
   */
  readonly resourceMetadata?: string
  /**
   * This API as an RFC 9728 protected resource: its `resource` identifier (added to the accepted
   * audiences) and metadata. The guard then publishes the metadata document at
   * `/.well-known/oauth-protected-resource{path}` (the adapters serve it) and every 401/403 challenge
   * carries `resource_metadata="<that URL>"`.
   */
  readonly protectedResource?: ProtectedResourceOptions
  /** Where tokens are accepted. Default `['header']`; `query` and `body` are RFC 6750 opt-ins. */
  readonly tokenLocations?: readonly TokenLocation[]
  /** Longest token accepted, in characters; longer ones are refused before any parsing. Default 8192, from 64 to 1048576. */
  readonly maxTokenLength?: number
  /** JWKS and discovery request timeout in milliseconds (headers and body). Default 5000, from 1 to 120000. */
  readonly timeoutDuration?: number
  /**
   * Minimum milliseconds between refetches caused by unknown `kid`s, and the cap of the failure backoff.
   * Default 30000, from 100 to 86400000: `0` would turn both protections off, so it is refused (at the
   * minimum, a flood of random `kid`s costs at most 10 JWKS requests a second).
   */
  readonly cooldownDuration?: number
  /**
   * Milliseconds a fetched JWKS is fresh, unless `Cache-Control: max-age` says otherwise. Default 600000,
   * from 1000 to 604800000 (7 days): below a second the guard would refetch on nearly every request.
   */
  readonly cacheMaxAge?: number
  /** Honour the JWKS response's `Cache-Control: max-age`, clamped to 1 min - 24 h. Default true. */
  readonly honorCacheControl?: boolean
  /** Milliseconds past max age a JWKS keeps serving while refreshes fail. Default 3600000 (1 h), from 0 to 604800000. */
  readonly staleIfErrorDuration?: number
  /** Largest JWKS or metadata response read, in bytes. Default 524288 (512 KiB), from 1024 to 67108864 (64 MiB). */
  readonly maxResponseSize?: number
  /**
   * Follow HTTP redirects from the JWKS/metadata endpoints (at most 5 hops, each target under the same URL
   * policy). Default false. On a hop to another origin, none of `fetchHeaders` is sent.
   */
  readonly followRedirects?: boolean
  /**
   * Allow `http:` JWKS and discovery URLs on non-loopback hosts. Default false: plain HTTP is accepted only
   * for 127.0.0.0/8, ::1 and localhost.
   */
  readonly allowInsecureHttp?: boolean
  /** `fetch` used for JWKS and discovery (e.g. one with a proxy agent). Default `globalThis.fetch`. */
  readonly fetch?: typeof globalThis.fetch
  /**
   * Extra headers sent with JWKS and discovery requests, only to the origin of the configured URL they go
   * to (`jwksUri`, or the issuer for discovery): never after a redirect to another origin, nor to a
   * discovered `jwks_uri` on another origin than the issuer.
   */
  readonly fetchHeaders?: Readonly<Record<string, string>>
  /** Verified-token cache: `false` to turn off, or the maximum entry count. Default 1000, from 1 to 1000000. */
  readonly tokenCache?: false | { readonly maxEntries?: number }
  /**
   * RFC 7800 confirmation methods (`cnf` members) to ignore, so that tokens carrying them are accepted as
   * plain bearer tokens: e.g. `['jwk']` for an issuer that adds `cnf.jwk` the API does not check. Default
   * `[]`: a token whose `cnf` has any member is refused (it is bound to a key whose proof of possession is
   * not checked here). `jkt` (DPoP) and `x5t#S256` (mTLS) cannot be listed.
   */
  readonly ignoredConfirmationMethods?: readonly string[]
  /**
   * Called after every JWKS fetch attempt, for logs and metrics.
   * @deprecated Subscribe to the `bearer-guard:jwks:fetch:success` / `:failure` diagnostics channels
   * (`channels.jwksFetchSuccess`, `channels.jwksFetchFailure`), which also report fetch start, stale serving,
   * cooldown refusals and discovery for every guard. Still called (from the same events) until the next major.
   */
  readonly onJwksFetch?: (event: KeySetFetchEvent) => void
  /** Clock in milliseconds since the epoch. Default `Date.now`. For tests. */
  readonly clock?: () => number
  /** DPoP (RFC 9449): `true` or `{ mode, ... }` to accept DPoP-bound tokens with proofs. Default off. */
  readonly dpop?: boolean | DpopOptions
}

export interface ResolvedOptions {
  readonly issuers: readonly string[]
  /** Empty when `audience: { replacedBy }` replaces the audience check (`claimPolicy.replacesAudience`). */
  readonly audiences: readonly string[]
  readonly claimPolicy: ClaimPolicy
  readonly introspection: ResolvedIntrospection | undefined
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
  readonly protectedResource: ProtectedResource | undefined
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
  readonly ignoredConfirmationMethods: ReadonlySet<string>
  readonly onJwksFetch: GuardOptions['onJwksFetch']
  readonly clock: () => number
  /** `undefined` when DPoP is off. */
  readonly dpop: ResolvedDpopOptions | undefined
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
  assertKnownKeys(options, guardOptionNames, 'createGuard')
  const issuers = stringList(options.issuer, 'issuer')
  const replacement = isAudienceReplacement(options.audience) ? options.audience.replacedBy : undefined
  const claimPolicy = resolveClaimPolicy({ ...options, audienceReplacement: replacement })
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
  // RFC 9728: the resource identifier is an accepted audience, and the document lists what the guard accepts.
  const clockToleranceSeconds = duration(options.clockTolerance, 'clockTolerance', 5, 0, 300)
  const dpop = resolveDpopOptions(options.dpop, clockToleranceSeconds)
  const protectedResource =
    options.protectedResource === undefined
      ? undefined
      : resolveProtectedResource(options.protectedResource, {
          issuers,
          tokenLocations: locations,
          dpop: dpop === undefined ? undefined : dpopResourceMetadata(dpop),
          checkHttps: (url, what) => assertFetchableUrl(url, what, allowInsecureHttp),
        })
  if (protectedResource !== undefined && options.resourceMetadata !== undefined) {
    fail('resourceMetadata', 'cannot be combined with protectedResource, which derives it')
  }
  if (options.audience === undefined && protectedResource === undefined) {
    fail('audience', 'is required (or set protectedResource.resource, whose identifier tokens carry as aud)')
  }
  // An audience replacement (Cognito) stands in for the `aud` check; the protected resource is always accepted.
  const configured = options.audience === undefined || replacement !== undefined ? [] : stringList(options.audience, 'audience')
  const audiences = [...new Set([...configured, ...(protectedResource === undefined ? [] : [protectedResource.resource])])]
  const cache = options.tokenCache
  if (cache !== undefined && cache !== false && (typeof cache !== 'object' || cache === null || Array.isArray(cache)))
    fail('tokenCache', 'must be false or { maxEntries }')
  if (typeof cache === 'object') assertKnownKeys(cache, TOKEN_CACHE_KEYS, 'createGuard', 'tokenCache')
  // Each entry holds a token and its claims (1-3 KB): a million is already gigabytes, past that the bound protects nothing.
  const tokenCacheSize = cache === false ? 0 : duration(cache?.maxEntries, 'tokenCache.maxEntries', 1000, 1, 1_000_000)
  if (!Number.isInteger(tokenCacheSize)) fail('tokenCache.maxEntries', 'must be a whole number')

  return {
    issuers,
    audiences,
    claimPolicy,
    introspection: resolveIntrospection(options.introspection, {
      issuers,
      checkUrl: (url, what) => assertFetchableUrl(url, what, allowInsecureHttp),
    }),
    jwksUri,
    algorithms: new Set(algorithmList),
    algorithmList,
    secret,
    clockToleranceSeconds,
    maxTokenAgeSeconds,
    requiredClaims,
    strict,
    scopeClaims: options.scopeClaim === undefined ? ['scope', 'scp'] : stringList(options.scopeClaim, 'scopeClaim'),
    validate: options.validate,
    realm: options.realm,
    resourceMetadata: protectedResource?.metadata.url ?? options.resourceMetadata,
    protectedResource,
    query: locations.includes('query'),
    body: locations.includes('body'),
    maxTokenLength: duration(options.maxTokenLength, 'maxTokenLength', 8192, 64, 1_048_576),
    timeoutMs: duration(options.timeoutDuration, 'timeoutDuration', 5000, 1, 120_000),
    // 0 would turn off both the unknown-kid rate limit and the failure backoff: refused, not clamped.
    cooldownMs: duration(options.cooldownDuration, 'cooldownDuration', 30_000, 100, 86_400_000),
    cacheMaxAgeMs: duration(options.cacheMaxAge, 'cacheMaxAge', 600_000, 1000, 7 * 86_400_000),
    honorCacheControl: bool(options.honorCacheControl, 'honorCacheControl', true),
    staleIfErrorMs: duration(options.staleIfErrorDuration, 'staleIfErrorDuration', 3_600_000, 0, 7 * 86_400_000),
    maxResponseBytes: duration(options.maxResponseSize, 'maxResponseSize', 524_288, 1024, 64 * 1_048_576),
    followRedirects: bool(options.followRedirects, 'followRedirects', false),
    allowInsecureHttp,
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    fetchHeaders: { ...(options.fetchHeaders ?? {}) },
    tokenCacheSize,
    ignoredConfirmationMethods: confirmationMethods(options.ignoredConfirmationMethods),
    onJwksFetch: options.onJwksFetch,
    clock: options.clock ?? Date.now,
    dpop,
  }
}

/** Proof-of-possession confirmation methods only the guard itself may decide about (RFC 9449, RFC 8705). */
const CHECKED_CONFIRMATION = new Set(['jkt', 'x5t#S256'])

function confirmationMethods(value: unknown): ReadonlySet<string> {
  if (value === undefined) return new Set()
  if (!Array.isArray(value)) fail('ignoredConfirmationMethods', 'must be an array of cnf member names')
  for (const name of value) {
    if (typeof name !== 'string' || name === '') fail('ignoredConfirmationMethods', 'must contain non-empty strings only')
    if (CHECKED_CONFIRMATION.has(name))
      fail('ignoredConfirmationMethods', `cannot contain "${name}": such tokens are never accepted as bearer tokens`)
  }
  return new Set(value as string[])
}
