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
import { type FetchLimits, fetchJson, UpstreamError } from './fetch-json.js'
import { KeySet } from './key-set.js'

export interface RemoteKeySetOptions {
  /** Where the JWKS is; may run discovery on first use and must cache its own answer. */
  readonly resolveUri: () => Promise<string>
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

  constructor(options: RemoteKeySetOptions) {
    this.options = options
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
      throw new ServiceUnavailableError(retryAfterSeconds(next - now), { cause: this.lastError })
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
  /** The JWKS URL once resolved (for diagnostics only). */
  private uri: string | undefined

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
      throw new ServiceUnavailableError(retryAfterSeconds(wait), { cause })
    }
  }

  private refresh(reason: KeySetFetchEvent['reason']): Promise<KeySet> {
    const { options } = this
    this.lastAttemptAt = options.now()
    const startedAt = performance.now()
    options.report.fetchStart(reason, this.uri)
    const run = async (): Promise<KeySet> => {
      const uri = await options.resolveUri()
      this.uri = uri
      const { body, maxAgeSeconds } = await fetchJson(uri, options.limits)
      let set: KeySet
      try {
        set = await KeySet.fromJwks(body, options.algorithms, this.current)
      } catch (cause) {
        throw new UpstreamError('invalid JWKS document', { cause })
      }
      if (set.records.length === 0) throw new UpstreamError('JWKS has no usable signing key')
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

function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000))
}
