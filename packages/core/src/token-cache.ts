/**
 * Verified-token cache. Machine-to-machine clients reuse one token for its whole lifetime, so the same
 * string arrives thousands of times; a hit skips parsing and signature work. Keyed by the full token
 * string (no hash, so no collisions to engineer). Time-based checks still run on every hit (the caller
 * does them), and an entry whose key has left the JWKS is dropped on its next hit.
 */
import type { TimeClaims } from './jwt/claims.js'
import type { AuthInfo } from './types.js'

export interface CachedVerification {
  readonly auth: AuthInfo
  readonly time: TimeClaims
  /** The key that verified it; `null` for a shared secret, which cannot be removed. */
  readonly key: { readonly removed: boolean } | null
}

/** Least-recently-used map, bounded by entry count; a `Map` keeps insertion order, which is recency. */
export class TokenCache {
  private readonly entries = new Map<string, CachedVerification>()
  readonly maxEntries: number

  constructor(maxEntries: number) {
    this.maxEntries = maxEntries
  }

  get size(): number {
    return this.entries.size
  }

  get(token: string): CachedVerification | undefined {
    const entry = this.entries.get(token)
    if (entry === undefined) return undefined
    if (entry.key?.removed) {
      this.entries.delete(token)
      return undefined
    }
    this.entries.delete(token)
    this.entries.set(token, entry)
    return entry
  }

  set(token: string, entry: CachedVerification): void {
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next()
      if (!oldest.done) this.entries.delete(oldest.value)
    }
    this.entries.set(token, entry)
  }

  delete(token: string): void {
    this.entries.delete(token)
  }

  clear(): void {
    this.entries.clear()
  }
}
