/**
 * Introspection result cache: the interface a shared store (Redis) implements, and the bounded in-memory
 * default. Keys are SHA-256 hashes of tokens (base64url), never tokens: a cache dump or a Redis `KEYS`
 * reveals no credential.
 */
import type { JsonValue } from '../types.js'

/**
 * What is cached per token: an inactive verdict, or the active response's members (RFC 7662 §2.2) minus
 * `active`. Plain JSON, so a shared store can serialise it as is.
 */
export type IntrospectionRecord =
  | { readonly active: false }
  | { readonly active: true; readonly claims: Readonly<Record<string, JsonValue>> }

/**
 * A cache the guard reads before introspecting and writes after. Both methods may be sync or async. The
 * guard never asks for a TTL past the token's `exp` or the configured ceiling, so a store only has to
 * honour `ttlMs` (e.g. Redis `SET key value PX ttlMs`). A `get` that throws or rejects counts as a miss;
 * a failing `set` is ignored (the next request introspects again).
 */
export interface IntrospectionCache {
  /** The record cached under `key` (a token's SHA-256 hash), or `undefined` on a miss or once expired. */
  get(key: string): IntrospectionRecord | undefined | Promise<IntrospectionRecord | undefined>
  /** Stores `value` under `key` for `ttlMs` milliseconds. */
  set(key: string, value: IntrospectionRecord, ttlMs: number): void | Promise<void>
}

interface Slot {
  readonly value: IntrospectionRecord
  readonly expiresAt: number
}

/** Bounded by entry count (least recently written evicted first), entries dropped when their TTL ends. */
export class MemoryIntrospectionCache implements IntrospectionCache {
  readonly #slots = new Map<string, Slot>()
  readonly #maxEntries: number
  readonly #now: () => number

  constructor(maxEntries = 10_000, now: () => number = Date.now) {
    this.#maxEntries = maxEntries
    this.#now = now
  }

  /** The live record under `key`; an expired one is dropped and reads as a miss. */
  get(key: string): IntrospectionRecord | undefined {
    const slot = this.#slots.get(key)
    if (slot === undefined) return undefined
    if (slot.expiresAt <= this.#now()) {
      this.#slots.delete(key)
      return undefined
    }
    return slot.value
  }

  /** Stores `value` for `ttlMs` ms (ignored unless positive); when full, the least recently written entry is evicted. */
  set(key: string, value: IntrospectionRecord, ttlMs: number): void {
    if (!(ttlMs > 0)) return
    this.#slots.delete(key)
    if (this.#slots.size >= this.#maxEntries) {
      const oldest = this.#slots.keys().next()
      if (oldest.done !== true) this.#slots.delete(oldest.value)
    }
    this.#slots.set(key, { value, expiresAt: this.#now() + ttlMs })
  }

  /** Entries held, expired ones not yet dropped included. */
  get size(): number {
    return this.#slots.size
  }
}
