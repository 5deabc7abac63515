/**
 * Proof replay detection (RFC 9449 §11.1): the store remembers each accepted proof for as long as its `iat`
 * keeps it acceptable, and refuses a second use. The interface is one operation so that a shared store can
 * do it atomically (Redis: one `SET key 1 NX PX ttl`); `@bearer-guard/redis` implements it for a fleet.
 */

/**
 * Where proofs already used are remembered. Implement it to share replay detection between instances.
 *
 * `useOnce` must be atomic: of two concurrent calls with the same key, exactly one may resolve `true`.
 * Reject (or throw) when the store cannot answer: the guard then fails closed with a 503 and
 * `Retry-After`, never lets the proof through.
 */
export interface ReplayStore {
  /**
   * Records `key` for `ttlMs` milliseconds. Resolves `true` when the key was not present (first use),
   * `false` when it was (a replay). Keys are at most 64 printable ASCII characters (a hash, no spaces).
   */
  useOnce(key: string, ttlMs: number): boolean | Promise<boolean>
}

/** Options of {@link createMemoryReplayStore}. */
export interface MemoryReplayStoreOptions {
  /** Most proofs remembered at once. Default 100000; when full of unexpired entries, requests get 503. */
  readonly maxEntries?: number
  /** Clock in milliseconds since the epoch. Default `Date.now`. For tests. */
  readonly clock?: () => number
}

/** Thrown by the in-memory store when it is full of live entries: the guard turns it into a 503. */
export class ReplayStoreFullError extends Error {
  constructor(maxEntries: number) {
    super(`DPoP replay store is full (${maxEntries} unexpired proofs); use a shared store or a larger maxEntries`)
    this.name = 'ReplayStoreFullError'
  }
}

/**
 * The default store: one process's memory, bounded. Entries are kept in insertion order and swept from the
 * oldest on every insert; all of them live at most one proof window, so the oldest expire first (to within
 * the clock tolerance). Full of live entries, it refuses (fail closed) rather than forget a proof.
 */
export function createMemoryReplayStore(options: MemoryReplayStoreOptions = {}): ReplayStore {
  const maxEntries = options.maxEntries ?? 100_000
  if (typeof maxEntries !== 'number' || !Number.isInteger(maxEntries) || maxEntries < 1 || maxEntries > 10_000_000) {
    throw new TypeError('createMemoryReplayStore: "maxEntries" must be a whole number from 1 to 10000000')
  }
  const clock = options.clock ?? Date.now
  if (typeof clock !== 'function') throw new TypeError('createMemoryReplayStore: "clock" must be a function')
  const expiries = new Map<string, number>()
  const sweep = (now: number): void => {
    for (const [key, expiresAt] of expiries) {
      if (expiresAt > now) break
      expiries.delete(key)
    }
  }
  return {
    useOnce(key, ttlMs) {
      const now = clock()
      const known = expiries.get(key)
      if (known !== undefined && known > now) return false
      sweep(now)
      if (expiries.size >= maxEntries) throw new ReplayStoreFullError(maxEntries)
      expiries.delete(key)
      expiries.set(key, now + ttlMs)
      return true
    },
  }
}
