/**
 * `createGuard`: the resource server's decision, from `Authorization` header to {@link AuthInfo}.
 *
 * Order of work per token, cheapest refusal first: verified-token cache, size, structure, header
 * (algorithm allow-list, `crit`, `typ`), key selection (JWKS cached, one refetch per cooldown for unknown
 * `kid`s), signature, registered claims, scopes, then the user's `validate` hook.
 */
import { BearerError, type ChallengeContext, InvalidTokenError, ServiceUnavailableError } from './errors.js'
import { discoverJwksUri } from './jwks/discovery.js'
import type { FetchLimits } from './jwks/fetch-json.js'
import type { KeyCandidate, KeySet } from './jwks/key-set.js'
import { RemoteKeySet } from './jwks/remote-key-set.js'
import { ALGORITHMS, type Algorithm } from './jwt/algorithms.js'
import { type ClaimRules, checkStaticClaims, checkTimeClaims, readTimeClaims } from './jwt/claims.js'
import { checkHeader } from './jwt/header.js'
import { type ParsedJws, parseCompactJws } from './jwt/parse.js'
import { bindKey, type VerificationKey } from './jwt/signature.js'
import { deepFreeze } from './lib/deep-freeze.js'
import { assertFetchableUrl, type GuardOptions, type ResolvedOptions, resolveOptions } from './options.js'
import { extractToken } from './request/extract-token.js'
import { compileScopeCheck, compileScopeReader, type ScopeCheck, type ScopeMode } from './scopes.js'
import { TokenCache } from './token-cache.js'
import type { AuthInfo, BearerRequest, JsonValue, JwtClaims, JwtHeader } from './types.js'

const GUARD = Symbol.for('bearer-guard.Guard')

/** Per-call options of {@link Guard.authenticate}. */
export interface AuthenticateOptions {
  /** Resolve `undefined` instead of throwing when the request carries no token at all. A bad token still throws. */
  readonly optional?: boolean
}

/** The object {@link createGuard} returns. Create one per API, at startup, and share it. */
export interface Guard {
  /** Verifies a compact JWT. Resolves its {@link AuthInfo} or rejects with a {@link BearerError}. */
  verify(token: string): Promise<AuthInfo>
  /** Reads the token from the request (RFC 6750 §2), then {@link Guard.verify}. */
  authenticate(request: BearerRequest): Promise<AuthInfo>
  /** With `optional: true`: resolves `undefined` when the request carries no token at all. */
  authenticate(request: BearerRequest, options: AuthenticateOptions & { readonly optional: true }): Promise<AuthInfo | undefined>
  /** With options decided at run time: `undefined` only when `optional` is set and no token was sent. */
  authenticate(request: BearerRequest, options?: AuthenticateOptions): Promise<AuthInfo | undefined>
  /**
   * Compiles a scope requirement once (names validated now); the returned check throws a 403
   * `insufficient_scope` carrying this guard's realm.
   */
  scopeCheck(scopes: readonly string[], mode?: ScopeMode): ScopeCheck
  /** Completes a {@link BearerError} with this guard's realm and resource metadata. */
  challenge<E extends BearerError>(error: E): E
  /**
   * Refetches the JWKS now (every issuer's), e.g. after an out-of-band key rotation notice. Rejects with
   * a `ServiceUnavailableError` (503) (upstream detail in `cause`) when a fetch fails; cached keys stay in use.
   */
  reload(): Promise<void>
  /** Number of entries in the verified-token cache. */
  readonly cacheSize: number
}

/** True when `value` is a {@link Guard}, even one made by another copy of this package. */
export function isGuard(value: unknown): value is Guard {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[GUARD] === true
}

/**
 * Creates a guard. Options are validated now (a bad one throws a `TypeError` naming it); no network
 * request is made until the first token needs keys.
 */
export function createGuard(options: GuardOptions): Guard {
  const config = resolveOptions(options)
  const rules: ClaimRules = {
    issuers: new Set(config.issuers),
    audiences: new Set(config.audiences),
    clockToleranceSeconds: config.clockToleranceSeconds,
    maxTokenAgeSeconds: config.maxTokenAgeSeconds,
    requiredClaims: config.requiredClaims,
  }
  const headerRules = { algorithms: config.algorithms, strict: config.strict }
  const context: ChallengeContext = { realm: config.realm, resourceMetadata: config.resourceMetadata }
  const readScopes = compileScopeReader(config.scopeClaims)
  const cache = config.tokenCacheSize > 0 ? new TokenCache(config.tokenCacheSize) : undefined
  const keys = createKeySources(config)
  const secretKeys = config.secret === undefined ? undefined : bindSecret(config)
  const nowSeconds = (): number => config.clock() / 1000

  const challenge = <E extends BearerError>(error: E): E =>
    context.realm === undefined && context.resourceMetadata === undefined ? error : error.withChallengeContext(context)

  const toBearerError = (error: unknown): BearerError => {
    if (BearerError.is(error)) return challenge(error)
    return challenge(new InvalidTokenError('invalid token', { cause: error }))
  }

  /** Signature, claims, scopes; caches the result. Sync: all keys are at hand. */
  const complete = (token: string, parsed: ParsedJws, candidates: readonly KeyCandidate[]): AuthInfo => {
    let verifiedBy: KeyCandidate | undefined
    for (const candidate of candidates) {
      if (candidate.key.verify(parsed.signingInput, parsed.signature)) {
        verifiedBy = candidate
        break
      }
    }
    if (verifiedBy === undefined) throw new InvalidTokenError(candidates.length === 0 ? 'unknown signing key' : 'invalid signature')
    const claims = parsed.payload
    const time = readTimeClaims(claims)
    checkStaticClaims(claims, rules)
    checkTimeClaims(time, rules, nowSeconds())
    const auth = buildAuthInfo(token, parsed.header as JwtHeader, claims, readScopes(claims))
    if (cache?.admit(token)) cache.set(token, { auth, time, key: verifiedBy.record })
    return auth
  }

  const withKeys = (
    token: string,
    parsed: ParsedJws,
    alg: Algorithm,
    kid: string | undefined,
    remote: RemoteKeySet,
    set: KeySet,
  ): AuthInfo | Promise<AuthInfo> => {
    const candidates = set.select(alg, kid)
    if (candidates.length > 0 || kid === undefined || set.hasKid(kid)) return complete(token, parsed, candidates)
    return remote.refreshForUnknownKey().then((fresh) => complete(token, parsed, fresh?.select(alg, kid) ?? []))
  }

  const verifyToken = (token: string): AuthInfo | Promise<AuthInfo> => {
    if (typeof token !== 'string') throw new InvalidTokenError('malformed token')
    const hit = cache?.get(token)
    if (hit !== undefined) {
      try {
        checkTimeClaims(hit.time, rules, nowSeconds())
      } catch (error) {
        cache?.delete(token)
        throw error
      }
      // Hits must not keep a removed key alive: a stale key set still gets its background refresh (peek), and
      // once the set is past its stale-if-error bound the hit is no better than the keys behind it: re-verify.
      if (secretKeys !== undefined || keys.forIssuer(hit.auth.claims.iss)?.peek() !== undefined) return hit.auth
      cache?.delete(token)
    }
    const parsed = parseCompactJws(token, config.maxTokenLength)
    const { alg, kid } = checkHeader(parsed.header, headerRules)
    if (secretKeys !== undefined) {
      const key = secretKeys.get(alg)
      return complete(token, parsed, key === undefined ? [] : [key])
    }
    const remote = keys.forIssuer(parsed.payload.iss)
    // Without discovery's per-issuer sets the issuer is checked with the other claims after the signature.
    if (remote === undefined) throw new InvalidTokenError('unexpected issuer')
    const set = remote.peek()
    if (set !== undefined) return withKeys(token, parsed, alg, kid, remote, set)
    return remote.get().then((fresh) => withKeys(token, parsed, alg, kid, remote, fresh))
  }

  const runValidate = async (auth: AuthInfo): Promise<AuthInfo> => {
    let verdict: unknown
    try {
      verdict = await (config.validate as NonNullable<typeof config.validate>)(auth)
    } catch (error) {
      if (BearerError.is(error)) throw error
      throw new InvalidTokenError('token rejected', { cause: error })
    }
    if (verdict === false) throw new InvalidTokenError('token rejected')
    return auth
  }

  const verify = (token: string): Promise<AuthInfo> => {
    let result: AuthInfo | Promise<AuthInfo>
    try {
      result = verifyToken(token)
    } catch (error) {
      return Promise.reject(toBearerError(error))
    }
    if (config.validate !== undefined) result = Promise.resolve(result).then(runValidate)
    return result instanceof Promise ? result.catch((error: unknown) => Promise.reject(toBearerError(error))) : Promise.resolve(result)
  }

  function authenticate(request: BearerRequest): Promise<AuthInfo>
  function authenticate(request: BearerRequest, options: AuthenticateOptions & { readonly optional: true }): Promise<AuthInfo | undefined>
  function authenticate(request: BearerRequest, options?: AuthenticateOptions): Promise<AuthInfo | undefined>
  function authenticate(request: BearerRequest, options?: AuthenticateOptions): Promise<AuthInfo | undefined> {
    let token: string
    try {
      token = extractToken(request, config).token
    } catch (error) {
      if (options?.optional === true && BearerError.is(error) && error.status === 401 && error.code === undefined) {
        return Promise.resolve(undefined)
      }
      return Promise.reject(toBearerError(error))
    }
    return verify(token)
  }

  const guard: Guard = {
    verify,
    authenticate,
    scopeCheck(scopes, mode) {
      const check = compileScopeCheck(scopes, mode)
      return (auth) => {
        try {
          check(auth)
        } catch (error) {
          throw toBearerError(error)
        }
      }
    },
    challenge,
    async reload() {
      try {
        await Promise.all(keys.all().map((remote) => remote.reload()))
      } catch (cause) {
        // The same shape as every other failure to get keys; the upstream detail stays in `cause`.
        throw new ServiceUnavailableError(1, { cause })
      }
    },
    get cacheSize() {
      return cache?.size ?? 0
    },
  }
  Object.defineProperty(guard, GUARD, { value: true })
  return Object.freeze(guard)
}

/** A shared secret as one key record per HS algorithm; no JWKS refresh can remove it. */
function bindSecret(config: ResolvedOptions): Map<Algorithm, KeyCandidate> {
  const record = { kid: undefined, byAlgorithm: new Map<Algorithm, VerificationKey>(), fingerprint: 'secret', removed: false }
  const out = new Map<Algorithm, KeyCandidate>()
  for (const alg of config.algorithmList) {
    if (ALGORITHMS[alg].kty !== 'oct') continue
    const key = bindKey(alg, config.secret as NonNullable<ResolvedOptions['secret']>)
    record.byAlgorithm.set(alg, key)
    out.set(alg, { record, key })
  }
  return out
}

interface KeySources {
  /** The key set to verify a token claiming `iss`, or undefined when that issuer is not accepted. */
  forIssuer(iss: JsonValue | undefined): RemoteKeySet | undefined
  all(): RemoteKeySet[]
}

function createKeySources(config: ResolvedOptions): KeySources {
  if (config.secret !== undefined) return { forIssuer: () => undefined, all: () => [] }
  const limits: FetchLimits = {
    timeoutMs: config.timeoutMs,
    maxBytes: config.maxResponseBytes,
    followRedirects: config.followRedirects,
    headers: config.fetchHeaders,
    fetch: config.fetch,
    checkUrl: (url, what) => assertFetchableUrl(url, what, config.allowInsecureHttp),
  }
  const make = (resolveUri: () => Promise<string>): RemoteKeySet =>
    new RemoteKeySet({
      resolveUri,
      algorithms: config.algorithmList,
      limits,
      cacheMaxAgeMs: config.cacheMaxAgeMs,
      honorCacheControl: config.honorCacheControl,
      cooldownMs: config.cooldownMs,
      staleIfErrorMs: config.staleIfErrorMs,
      now: config.clock,
      onFetch: config.onJwksFetch,
    })
  if (config.jwksUri !== undefined) {
    const uri = config.jwksUri
    const shared = make(() => Promise.resolve(uri))
    return { forIssuer: () => shared, all: () => [shared] }
  }
  const byIssuer = new Map<string, RemoteKeySet>()
  for (const issuer of config.issuers) {
    let discovered: string | undefined
    byIssuer.set(
      issuer,
      make(async () => {
        // Once known, the jwks_uri is kept: no request waits on discovery again.
        discovered ??= await discoverJwksUri(issuer, limits)
        return discovered
      }),
    )
  }
  return {
    forIssuer: (iss) => (typeof iss === 'string' ? byIssuer.get(iss) : undefined),
    all: () => [...byIssuer.values()],
  }
}

function buildAuthInfo(token: string, header: JwtHeader, claims: Readonly<Record<string, JsonValue>>, scopes: readonly string[]): AuthInfo {
  const c = claims as JwtClaims
  const clientId = c.client_id ?? c.azp
  const auth: { -readonly [K in keyof AuthInfo]: AuthInfo[K] } = {
    token,
    header: deepFreeze(header),
    claims: deepFreeze(c),
    scopes: deepFreeze(scopes),
  }
  if (clientId !== undefined) auth.clientId = clientId
  if (c.sub !== undefined) auth.subject = c.sub
  if (c.exp !== undefined) auth.expiresAt = c.exp
  return Object.freeze(auth)
}
