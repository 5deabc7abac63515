/**
 * The issuer's signing keys, fetched from its JWKS URI and cached.
 *
 * - Single flight: however many requests arrive on a cold cache, one fetch is made and all await it.
 * - Stale-while-revalidate: past its max age the set keeps serving while one background refresh runs.
 * - Stale-if-error: when refreshes fail, the last good set keeps serving for `staleIfErrorMs`, then
 *   requests get 503 until a fetch succeeds. A fetch that yields no usable key counts as a failure, so a
 *   broken deploy on the authorization server does not wipe out good keys.
 * - Unknown `kid`: at most one refetch per cooldown, shared by every request that wants it, so a flood of
 *   random `kid`s cannot become a flood of JWKS requests; a key published later is found after one
 *   cooldown, never after a long negative-cache period.
 * - Failed fetches back off exponentially (1 s, 2 s, 4 s ... up to the cooldown) instead of hammering
 *   an authorization server that is down.
 */
import type { KeySetReporter } from '../diagnostics.js'
import { ServiceUnavailableError } from '../errors.js'
import type { Algorithm } from '../jwt/algorithms.js'
import { type RejectionCause, rejection } from '../rejection.js'
import type { JsonValue } from '../types.js'
import { type FetchLimits, fetchJson, UpstreamError } from './fetch-json.js'
import { KeySet } from './key-set.js'

export interface RemoteKeySetOptions {
  /** Where the JWKS is; may run discovery on first use and must cache its own answer. */
  readonly resolveUri: () => Promise<string>
  /**
   * The issuer whose keys these are, in discovery mode: `fetchHeaders` then go to the issuer's origin only
   * (not to a `jwks_uri` the metadata puts elsewhere), and 503 causes name it.
   */
  readonly issuer?: string | undefined
  readonly algorithms: readonly Algorithm[]
  readonly limits: FetchLimits
  readonly cacheMaxAgeMs: number
  readonly honorCacheControl: boolean
  readonly cooldownMs: number
  readonly staleIfErrorMs: number
  readonly now: () => number
  /** Publishes fetches, stale serving and cooldown refusals (diagnostics channels, `onJwksFetch`). */
  readonly report: KeySetReporter
}

/**
 * Reported to the deprecated `onJwksFetch` after every JWKS fetch attempt (for logs and metrics; never sent
 * to clients).
 * @deprecated Subscribe to the `bearer-guard:jwks:fetch:success` and `:failure` diagnostics channels.
 */
export interface KeySetFetchEvent {
  readonly ok: boolean
  readonly reason: 'initial' | 'expired' | 'unknown-kid' | 'reload'
  readonly keys?: number
  readonly skipped?: ReadonlyArray<{ readonly kid: unknown; readonly reason: string }>
  readonly error?: unknown
  /**
   * On failure: the cause the resulting 503s carry (`keys_unavailable` with the failing URL, or a
   * configuration fault such as `discovery_issuer_mismatch` with both issuers), ready to log.
   */
  readonly cause?: RejectionCause
}

/** Cache-Control max-age is honoured within these bounds. */
const MIN_HONORED_MAX_AGE_MS = 60_000
const MAX_HONORED_MAX_AGE_MS = 86_400_000
const FIRST_BACKOFF_MS = 1_000

export class RemoteKeySet {
  private current: KeySet | undefined
  private freshUntil = 0
  private usableUntil = 0
  private lastAttemptAt = Number.NEGATIVE_INFINITY
  private failures = 0
  private inflight: Promise<KeySet> | undefined
  private readonly options: RemoteKeySetOptions
  private resolvedUri: string | undefined

  constructor(options: RemoteKeySetOptions) {
    this.options = options
  }

  /** The JWKS URL, once known (configured, or discovered on first use). For rejection causes. */
  get uri(): string | undefined {
    return this.resolvedUri
  }

  /** The cached set if it may be used now, scheduling a background refresh when it is stale. Sync. */
  peek(): KeySet | undefined {
    const now = this.options.now()
    if (this.current === undefined || now >= this.usableUntil) return undefined
    if (now >= this.freshUntil) {
      if (this.inflight === undefined && now >= this.nextAttemptAt()) this.refresh('expired').catch(() => {})
      if (this.failures > 0) this.reportStale(now)
    }
    return this.current
  }

  /** A usable set, fetching it if needed. Throws {@link ServiceUnavailableError} when none can be had. */
  async get(): Promise<KeySet> {
    const cached = this.peek()
    if (cached) return cached
    if (this.inflight) return this.await(this.inflight)
    const now = this.options.now()
    const next = this.nextAttemptAt()
    if (now < next) {
      this.options.report.cooldown(this.uri, 'backoff', next - now)
      throw new ServiceUnavailableError(retryAfterSeconds(next - now), { cause: upstreamCause(this.lastError, this.options.issuer) })
    }
    return this.await(this.refresh(this.current === undefined ? 'initial' : 'expired'))
  }

  /**
   * A refreshed set for a token whose `kid` is not in `seen`, or `undefined` while cooling down.
   * Joins a fetch already under way rather than starting another.
   */
  async refreshForUnknownKey(): Promise<KeySet | undefined> {
    if (this.inflight) return this.await(this.inflight)
    const sinceLast = this.options.now() - this.lastAttemptAt
    if (sinceLast < this.options.cooldownMs) {
      this.options.report.cooldown(this.uri, 'unknown-kid', this.options.cooldownMs - sinceLast)
      return undefined
    }
    return this.await(this.refresh('unknown-kid'))
  }

  /** Fetches now, ignoring max age and cooldown (still single flight). */
  reload(): Promise<KeySet> {
    return this.inflight ?? this.refresh('reload')
  }

  private lastError: unknown

  private reportStale(now: number): void {
    this.options.report.stale(this.uri, now - this.freshUntil, this.usableUntil - now, this.lastError)
  }

  private nextAttemptAt(): number {
    if (this.failures === 0) return this.lastAttemptAt
    const backoff = Math.min(this.options.cooldownMs, FIRST_BACKOFF_MS * 2 ** (this.failures - 1))
    return this.lastAttemptAt + backoff
  }

  private async await(pending: Promise<KeySet>): Promise<KeySet> {
    try {
      return await pending
    } catch (cause) {
      // A set still inside its stale-if-error window beats a 503.
      const now = this.options.now()
      if (this.current !== undefined && now < this.usableUntil) {
        this.reportStale(now)
        return this.current
      }
      const wait = Math.max(this.nextAttemptAt() - this.options.now(), FIRST_BACKOFF_MS)
      throw new ServiceUnavailableError(retryAfterSeconds(wait), { cause: upstreamCause(cause, this.options.issuer) })
    }
  }

  private refresh(reason: KeySetFetchEvent['reason']): Promise<KeySet> {
    const { options } = this
    this.lastAttemptAt = options.now()
    const startedAt = performance.now()
    options.report.fetchStart(reason, this.uri)
    const run = async (): Promise<KeySet> => {
      const uri = await options.resolveUri()
      this.resolvedUri = uri
      const headersOrigin = options.issuer === undefined ? undefined : new URL(options.issuer).origin
      const { body, maxAgeSeconds } = await fetchJson(uri, options.limits, headersOrigin)
      let set: KeySet
      try {
        set = await KeySet.fromJwks(body, options.algorithms, this.current)
      } catch (cause) {
        throw new UpstreamError('invalid JWKS document', { cause, url: uri })
      }
      if (set.records.length === 0) throw new UpstreamError('JWKS has no usable signing key', { url: uri })
      if (this.current) set.retire(this.current)
      const now = options.now()
      const maxAgeMs =
        options.honorCacheControl && maxAgeSeconds !== undefined
          ? Math.min(Math.max(maxAgeSeconds * 1000, MIN_HONORED_MAX_AGE_MS), MAX_HONORED_MAX_AGE_MS)
          : options.cacheMaxAgeMs
      this.current = set
      this.failures = 0
      this.lastError = undefined
      this.freshUntil = now + maxAgeMs
      this.usableUntil = this.freshUntil + options.staleIfErrorMs
      options.report.fetchSuccess({
        jwksUri: uri,
        reason,
        keys: set.records.length,
        skipped: set.skipped,
        maxAgeMs,
        durationMs: performance.now() - startedAt,
      })
      return set
    }
    const pending = run().then(
      (set) => {
        this.inflight = undefined
        return set
      },
      (error: unknown) => {
        this.inflight = undefined
        this.failures += 1
        this.lastError = error
        options.report.fetchFailure({
          jwksUri: this.uri,
          reason,
          error,
          cause: upstreamCause(error, options.issuer),
          failures: this.failures,
          durationMs: performance.now() - startedAt,
        })
        throw error
      },
    )
    this.inflight = pending
    return pending
  }
}

/**
 * The 503's cause: `keys_unavailable` for an outage (with the failing URL and the upstream error), or the
 * configuration fault (`discovery_issuer_mismatch`, `discovery_jwks_uri_refused`) with both values.
 */
export function upstreamCause(error: unknown, issuer?: string): RejectionCause {
  const upstream = error instanceof UpstreamError ? error : undefined
  const fault = upstream?.configuration
  const detail = error instanceof Error ? error.message : String(error)
  if (fault?.reason === 'discovery_issuer_mismatch') {
    return rejection('discovery_issuer_mismatch', {
      configuration: true,
      expected: fault.expected,
      actual: fault.actual as JsonValue | undefined,
      url: upstream?.url ?? '',
      detail,
    })
  }
  if (fault?.reason === 'discovery_jwks_uri_refused') {
    return rejection('discovery_jwks_uri_refused', {
      configuration: true,
      issuer: fault.issuer,
      url: upstream?.url ?? '',
      jwksUri: fault.jwksUri as JsonValue | undefined,
      detail,
    })
  }
  return rejection('keys_unavailable', { configuration: false, issuer, url: upstream?.url, detail, error })
}

function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000))
}
