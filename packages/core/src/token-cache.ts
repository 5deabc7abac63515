/**
 * Verified-token cache. Machine-to-machine clients reuse one token for its whole lifetime, so the same
 * string arrives thousands of times; a hit skips parsing and signature work. Tokens are admitted on their
 * second verification (see {@link TokenCache.admit}). A hit requires the full token
 * string to match (no hash, so no collisions to engineer). Time-based checks still run on every hit (the
 * caller does them), and an entry whose key has left the JWKS is dropped on its next hit.
 */
import type { TimeClaims } from './jwt/claims.js'
import type { AuthInfo } from './types.js'

export interface CachedVerification {
  readonly auth: AuthInfo
  readonly time: TimeClaims
  /** The key record that verified it (a shared secret's is never removed). */
  readonly key: { readonly removed: boolean }
}

/**
 * A cache slot, linked in recency order. Emptied when evicted: V8 can keep a stale reference to an
 * evicted slot until its next full GC (a `Map`'s old backing table, an old-generation neighbour), and an
 * emptied slot then holds nothing young alive; a full one promoted the whole verification, which made
 * the cache's garbage collection cost more than its lookups under distinct tokens.
 */
class Node {
  prev: Node | undefined = undefined
  next: Node | undefined = undefined
  key: string | undefined
  token: string | undefined
  entry: CachedVerification | undefined

  constructor(key: string, token: string, entry: CachedVerification) {
    this.key = key
    this.token = token
    this.entry = entry
  }
}

/**
 * The index is keyed by a token's last 43 characters (the tail of its signature: 258 bits), and a hit
 * still compares the whole token. Every request brings a new string, which V8 hashes in full on lookup:
 * about 0.75 µs for a 500-character token against 0.15 µs for its tail. Tokens sharing a tail can only
 * miss, or displace each other; none can hit another's entry.
 */
const INDEX_CHARS = 43

function indexKey(token: string): string {
  return token.length > INDEX_CHARS ? token.slice(token.length - INDEX_CHARS) : token
}

/**
 * Least-recently-used map, bounded by entry count. Recency is a linked list, not a `Map`'s insertion
 * order: evicting a `Map`'s first key walks the holes its earlier deletions left (V8 compacts only on
 * rehash), which made every insert of a full cache cost about a microsecond; here eviction is O(1).
 */
export class TokenCache {
  private readonly nodes = new Map<string, Node>()
  /**
   * Doorkeeper: index keys of tokens verified once but not cached. A token is admitted on its second
   * verification, so a stream of distinct tokens (nothing to gain) never pays for retaining verifications,
   * about 8 % of a cold RS256 verification in `pnpm bench`, while a machine client's token, reused for its
   * whole lifetime, is cached from its second request. Forgotten wholesale when it reaches twice the cache
   * size, so it stays bounded (a few MB at most: it can pin the token strings its keys were sliced from).
   */
  private readonly seen = new Set<string>()
  /** Most recently used. */
  private head: Node | undefined
  /** Least recently used: evicted first. */
  private tail: Node | undefined
  readonly maxEntries: number

  constructor(maxEntries: number) {
    this.maxEntries = maxEntries
  }

  get size(): number {
    return this.nodes.size
  }

  get(token: string): CachedVerification | undefined {
    const node = this.nodes.get(indexKey(token))
    const entry = node?.entry
    if (node === undefined || entry === undefined || node.token !== token) return undefined
    if (entry.key.removed) {
      this.remove(node)
      return undefined
    }
    this.touch(node)
    return entry
  }

  /** True when `token` should be cached now: it was verified before, or is cached already. */
  admit(token: string): boolean {
    const key = indexKey(token)
    if (this.seen.delete(key) || this.nodes.has(key)) return true
    if (this.seen.size >= this.maxEntries * 2) this.seen.clear()
    this.seen.add(key)
    return false
  }

  set(token: string, entry: CachedVerification): void {
    const key = indexKey(token)
    const existing = this.nodes.get(key)
    if (existing !== undefined) {
      existing.token = token
      existing.entry = entry
      this.touch(existing)
      return
    }
    if (this.nodes.size >= this.maxEntries && this.tail !== undefined) this.remove(this.tail)
    const node = new Node(key, token, entry)
    this.nodes.set(key, node)
    this.linkFirst(node)
  }

  delete(token: string): void {
    const node = this.nodes.get(indexKey(token))
    if (node !== undefined && node.token === token) this.remove(node)
  }

  clear(): void {
    this.nodes.clear()
    this.seen.clear()
    this.head = undefined
    this.tail = undefined
  }

  private touch(node: Node): void {
    if (node === this.head) return
    this.unlink(node)
    this.linkFirst(node)
  }

  private remove(node: Node): void {
    this.unlink(node)
    this.nodes.delete(node.key as string)
    node.key = undefined
    node.token = undefined
    node.entry = undefined
  }

  private linkFirst(node: Node): void {
    node.next = this.head
    if (this.head !== undefined) this.head.prev = node
    this.head = node
    if (this.tail === undefined) this.tail = node
  }

  private unlink(node: Node): void {
    if (node.prev === undefined) this.head = node.next
    else node.prev.next = node.next
    if (node.next === undefined) this.tail = node.prev
    else node.next.prev = node.prev
    node.prev = undefined
    node.next = undefined
  }
}
