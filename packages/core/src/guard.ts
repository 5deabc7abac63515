/**
 * `createGuard`: the resource server's decision, from `Authorization` header to {@link AuthInfo}.
 *
 * Order of work per token, cheapest refusal first: verified-token cache, size, structure, header
 * (algorithm allow-list, `crit`, `typ`), key selection (JWKS cached, one refetch per cooldown for unknown
 * `kid`s), signature, registered claims, scopes, then the user's `validate` hook.
 */
import {
  createKeySetReporter,
  publishScopeDenied,
  traceDiscovery,
  traceVerification,
  type VerificationNote,
  verificationTraced,
} from './diagnostics.js'
import type { AuthScheme } from './dpop/challenge.js'
import type { DpopResourceMetadata } from './dpop/metadata.js'
import { createDpopStage } from './dpop/stage.js'
import { BearerError, type ChallengeContext, InvalidTokenError, ServiceUnavailableError } from './errors.js'
import { createIntrospector } from './introspection/introspector.js'
import { discoverJwksUri } from './jwks/discovery.js'
import type { FetchLimits } from './jwks/fetch-json.js'
import type { KeyCandidate, KeySet } from './jwks/key-set.js'
import { RemoteKeySet, upstreamCause } from './jwks/remote-key-set.js'
import { ALGORITHMS, type Algorithm } from './jwt/algorithms.js'
import { type ClaimRules, checkStaticClaims, checkTimeClaims, readTimeClaims, unexpectedIssuer } from './jwt/claims.js'
import { checkHeader } from './jwt/header.js'
import { type ParsedJws, parseCompactJws } from './jwt/parse.js'
import { bindKey, type VerificationKey } from './jwt/signature.js'
import { explainUnverifiable } from './jwt/unverifiable.js'
import { deepFreeze } from './lib/deep-freeze.js'
import { assertFetchableUrl, type GuardOptions, type ResolvedOptions, resolveOptions } from './options.js'
import { rejection, withHeader } from './rejection.js'
import { extractToken } from './request/extract-token.js'
import type { ProtectedResource } from './resource-metadata/document.js'
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
  /** Verifies a compact JWT (or introspects an opaque token, with `introspection`). Resolves its {@link AuthInfo} or rejects with a {@link BearerError}. */
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
  /** Whether tokens are read from urlencoded form bodies (`tokenLocations` includes `body`): adapters must verify after body parsing. */
  readonly acceptsBodyTokens: boolean
  /** The RFC 9728 protected resource (document, well-known location) from the `protectedResource` option. */
  readonly protectedResource: ProtectedResource | undefined
  /**
   * The RFC 9728 members this guard's DPoP settings imply (`dpop_signing_alg_values_supported`,
   * `dpop_bound_access_tokens_required`), for a protected resource metadata document; `undefined` when
   * DPoP is off.
   */
  readonly dpopMetadata: DpopResourceMetadata | undefined
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
    ignoredConfirmationMethods: config.ignoredConfirmationMethods,
    dpop: config.dpop !== undefined,
    policy: config.claimPolicy,
  }
  const headerRules = { algorithms: config.algorithms, strict: config.strict }
  const context: ChallengeContext = { realm: config.realm, resourceMetadata: config.resourceMetadata }
  const readScopes = compileScopeReader(config.scopeClaims)
  const cache = config.tokenCacheSize > 0 ? new TokenCache(config.tokenCacheSize) : undefined
  const introspector =
    config.introspection === undefined ? undefined : createIntrospector(config, config.introspection, { rules, readScopes })
  const keys = createKeySources(config)
  const secretKeys = config.secret === undefined ? undefined : bindSecret(config)
  const nowSeconds = (): number => config.clock() / 1000
  const dpop = config.dpop === undefined ? undefined : createDpopStage(config.dpop, context, config.clock)
  const locations = { query: config.query, body: config.body, dpop: dpop !== undefined }

  /** `scheme`: the one the request used, which picks the challenge when DPoP is on (RFC 9449 §7.1). */
  const challenge = <E extends BearerError>(error: E, scheme?: AuthScheme): E => {
    if (dpop !== undefined) return error.withChallengeContext(dpop.contextFor(scheme))
    return context.realm === undefined && context.resourceMetadata === undefined ? error : error.withChallengeContext(context)
  }

  const toBearerError = (error: unknown, scheme?: AuthScheme): BearerError => {
    if (BearerError.is(error)) return challenge(error, scheme)
    return challenge(new InvalidTokenError('invalid token', { cause: rejection('verification_error', { error }) }), scheme)
  }

  /** RFC 9449 §7.2: a DPoP-bound token without its proof is a downgrade, refused. */
  const refuseBound = (auth: AuthInfo): AuthInfo => {
    if (auth.dpop !== undefined) {
      throw new InvalidTokenError('sender-constrained token sent as bearer', {
        cause: rejection('sender_constrained_token', { methods: ['jkt'] }),
      })
    }
    return auth
  }

  /** Signature, claims, scopes; caches the result. Sync: all keys are at hand. */
  const complete = (token: string, parsed: ParsedJws, candidates: readonly KeyCandidate[], source?: RemoteKeySet): AuthInfo => {
    let verifiedBy: KeyCandidate | undefined
    for (const candidate of candidates) {
      if (candidate.key.verify(parsed.signingInput, parsed.signature)) {
        verifiedBy = candidate
        break
      }
    }
    if (verifiedBy === undefined) {
      const jwksUri = source?.uri
      // Some tokens cannot verify by design (Entra tokens for Microsoft Graph): the cause says so.
      const hint = explainUnverifiable(parsed.header)?.message
      throw candidates.length === 0
        ? new InvalidTokenError('unknown signing key', { cause: rejection('unknown_key', { jwksUri, hint }, parsed.header) })
        : new InvalidTokenError('invalid signature', {
            cause: rejection('signature_invalid', { jwksUri, keysTried: candidates.length, hint }, parsed.header),
          })
    }
    const claims = parsed.payload
    let time: ReturnType<typeof readTimeClaims>
    let scopes: readonly string[]
    let clientId: string | undefined
    try {
      time = readTimeClaims(claims)
      checkStaticClaims(claims, rules)
      checkTimeClaims(time, rules, nowSeconds())
      scopes = readScopes(claims)
      clientId = config.claimPolicy.clientId(claims)
    } catch (error) {
      // Claim checks do not see the header: the cause gets the token's alg/kid here, on the refusal path only.
      if (BearerError.is(error)) withHeader(error.cause, parsed.header)
      throw error
    }
    const auth = buildAuthInfo(token, parsed.header as JwtHeader, claims, scopes, rules.dpop === true, clientId)
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
    if (candidates.length > 0 || kid === undefined || set.hasKid(kid)) return complete(token, parsed, candidates, remote)
    return remote.refreshForUnknownKey().then((fresh) => complete(token, parsed, fresh?.select(alg, kid) ?? [], remote))
  }

  const verifyToken = (token: string, note?: VerificationNote): AuthInfo | Promise<AuthInfo> => {
    if (typeof token !== 'string') {
      throw new InvalidTokenError('malformed token', {
        cause: rejection('malformed_token', { detail: `token is ${typeof token}, not a string` }),
      })
    }
    if (introspector?.handles(token) === true) return introspector.verify(token)
    const hit = cache?.get(token)
    if (hit !== undefined) {
      if (note !== undefined) note.cacheHit = true
      try {
        checkTimeClaims(hit.time, rules, nowSeconds())
      } catch (error) {
        cache?.delete(token)
        if (BearerError.is(error)) withHeader(error.cause, hit.auth.header)
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
    if (remote === undefined) {
      const error = unexpectedIssuer(parsed.payload.iss, rules)
      withHeader(error.cause, parsed.header)
      throw error
    }
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
      throw new InvalidTokenError('token rejected', { cause: rejection('validate_threw', { error }, auth.header) })
    }
    // Only an explicit yes (`true`) or no answer at all (a void hook) accepts: a row count of 0, a null
    // lookup, an empty string, or any object cannot turn into a pass by accident.
    if (verdict !== true && verdict !== undefined) {
      const returned = verdict === null ? 'null' : typeof verdict === 'boolean' ? String(verdict) : typeof verdict
      throw new InvalidTokenError('token rejected', { cause: rejection('validate_rejected', { returned }, auth.header) })
    }
    return auth
  }

  /** Token, then (DPoP requests) proof, then the `validate` hook. Without DPoP, as fast as before: sync until `validate`. */
  const verifyAs = (token: string, request: BearerRequest | undefined, scheme: AuthScheme, note?: VerificationNote): Promise<AuthInfo> => {
    let result: AuthInfo | Promise<AuthInfo>
    if (note !== undefined) note.token = token
    try {
      result = verifyToken(token, note)
      if (scheme === 'DPoP') {
        const bind = (auth: AuthInfo): Promise<AuthInfo> => (dpop as NonNullable<typeof dpop>).bind(request as BearerRequest, token, auth)
        result = result instanceof Promise ? result.then(bind) : bind(result)
      } else if (dpop !== undefined) {
        result = result instanceof Promise ? result.then(refuseBound) : refuseBound(result)
      }
    } catch (error) {
      return Promise.reject(toBearerError(error, scheme))
    }
    if (config.validate !== undefined) result = Promise.resolve(result).then(runValidate)
    return result instanceof Promise
      ? result.catch((error: unknown) => Promise.reject(toBearerError(error, scheme)))
      : Promise.resolve(result)
  }

  // Diagnostics: traced only while someone subscribes to `bearer-guard:verify` (see diagnostics.ts).
  const verify = (token: string): Promise<AuthInfo> =>
    verificationTraced()
      ? traceVerification('verify', (note) => verifyAs(token, undefined, 'Bearer', note))
      : verifyAs(token, undefined, 'Bearer')

  function authenticate(request: BearerRequest): Promise<AuthInfo>
  function authenticate(request: BearerRequest, options: AuthenticateOptions & { readonly optional: true }): Promise<AuthInfo | undefined>
  function authenticate(request: BearerRequest, options?: AuthenticateOptions): Promise<AuthInfo | undefined>
  function authenticate(request: BearerRequest, options?: AuthenticateOptions): Promise<AuthInfo | undefined> {
    if (verificationTraced()) return traceVerification('authenticate', (note) => authenticateUntraced(request, options, note))
    return authenticateUntraced(request, options)
  }

  function authenticateUntraced(
    request: BearerRequest,
    options?: AuthenticateOptions,
    note?: VerificationNote,
  ): Promise<AuthInfo | undefined> {
    let extracted: ReturnType<typeof extractToken>
    try {
      extracted = extractToken(request, locations)
      // RFC 9449 §7.1 with `required`: only the DPoP scheme is accepted.
      if (dpop?.required === true && extracted.scheme === 'Bearer')
        throw new InvalidTokenError('DPoP-bound token and proof required', { cause: rejection('dpop_required', {}) })
    } catch (error) {
      if (options?.optional === true && BearerError.is(error) && error.status === 401 && error.code === undefined) {
        return Promise.resolve(undefined)
      }
      return Promise.reject(toBearerError(error))
    }
    return verifyAs(extracted.token, request, extracted.scheme, note)
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
          publishScopeDenied(auth, scopes, mode ?? 'all', error)
          // A 403 on a DPoP request carries a DPoP challenge (RFC 9449 §7.1).
          throw toBearerError(error, auth.dpop === undefined ? 'Bearer' : 'DPoP')
        }
      }
    },
    challenge: (error) => challenge(error),
    async reload() {
      try {
        await Promise.all(keys.all().map((remote) => remote.reload()))
      } catch (cause) {
        // The same shape as every other failure to get keys; the upstream detail stays in `cause`.
        throw new ServiceUnavailableError(1, { cause: BearerError.is(cause) ? cause.cause : upstreamCause(cause) })
      }
    },
    get cacheSize() {
      return cache?.size ?? 0
    },
    acceptsBodyTokens: config.body,
    protectedResource: config.protectedResource,
    dpopMetadata: dpop?.metadata,
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
  const make = (resolveUri: () => Promise<string>, issuer?: string): RemoteKeySet =>
    new RemoteKeySet({
      resolveUri,
      issuer,
      algorithms: config.algorithmList,
      limits,
      cacheMaxAgeMs: config.cacheMaxAgeMs,
      honorCacheControl: config.honorCacheControl,
      cooldownMs: config.cooldownMs,
      staleIfErrorMs: config.staleIfErrorMs,
      now: config.clock,
      report: createKeySetReporter(issuer, config.onJwksFetch),
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
        discovered ??= await traceDiscovery(issuer, () => discoverJwksUri(issuer, limits))
        return discovered
      }, issuer),
    )
  }
  return {
    forIssuer: (iss) => (typeof iss === 'string' ? byIssuer.get(iss) : undefined),
    all: () => [...byIssuer.values()],
  }
}

function buildAuthInfo(
  token: string,
  header: JwtHeader,
  claims: Readonly<Record<string, JsonValue>>,
  scopes: readonly string[],
  dpop: boolean,
  clientId: string | undefined,
): AuthInfo {
  const c = claims as JwtClaims
  const auth: { -readonly [K in keyof AuthInfo]: AuthInfo[K] } = {
    token,
    header: deepFreeze(header),
    claims: deepFreeze(c),
    scopes: deepFreeze(scopes),
  }
  if (clientId !== undefined) auth.clientId = clientId
  if (c.sub !== undefined) auth.subject = c.sub
  if (c.exp !== undefined) auth.expiresAt = c.exp
  // Shape checked with the other claims (checkStaticClaims); only a DPoP-enabled guard lets a jkt through.
  const jkt = dpop ? (c.cnf as { jkt?: string } | undefined)?.jkt : undefined
  if (jkt !== undefined) auth.dpop = Object.freeze({ jkt })
  return Object.freeze(auth)
}
