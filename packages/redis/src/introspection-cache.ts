/**
 * `redisIntrospectionCache`: RFC 7662 introspection results shared by every API instance that uses the same
 * Redis, so a token is introspected once per TTL across the fleet instead of once per instance.
 */
import type { IntrospectionCache, IntrospectionRecord, JsonValue } from '@bearer-guard/core'
import { type RedisClient, redisKeyValue } from './client.js'

/** Options of {@link redisIntrospectionCache}. */
export interface RedisIntrospectionCacheOptions {
  /**
   * Prefix of every key this cache writes, so it can share a Redis database with other data. Default
   * `bearer-guard:introspection:`. Printable ASCII without spaces, at most 100 characters. (An ioredis
   * client's own `keyPrefix` applies as well, in front of it.)
   */
  readonly keyPrefix?: string
  /**
   * Longest wait for Redis, in milliseconds, per `GET` or `SET`. A `GET` that takes longer counts as a miss
   * (the guard introspects instead); a slower `SET` is abandoned (the next request introspects again).
   * Default 500, from 1 to 60000. Without it, an ioredis client queueing commands while Redis is down would
   * hold every request until its retries run out.
   */
  readonly timeout?: number
}

const KNOWN = new Set(['keyPrefix', 'timeout'])

/**
 * Reads back what {@link serialise} wrote. Anything else (garbage, another program's data under the same
 * prefix, a truncated value) is a miss, never an active token: the guard then asks the endpoint.
 */
function parseIntrospectionRecord(text: string): IntrospectionRecord | undefined {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
  const record = value as { active?: unknown; claims?: unknown }
  if (record.active === false && Object.keys(record).length === 1) return { active: false }
  if (record.active !== true || Object.keys(record).length !== 2) return undefined
  const claims = record.claims
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) return undefined
  return { active: true, claims: claims as Record<string, JsonValue> }
}

const serialise = (record: IntrospectionRecord): string =>
  JSON.stringify(record.active ? { active: true, claims: record.claims } : { active: false })

function within<T>(promise: Promise<T>, ms: number, onTimeout: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(onTimeout), ms)
    timer.unref?.()
  })
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer))
}

/**
 * An {@link IntrospectionCache} on the user's Redis client (ioredis or node-redis), for
 * `createGuard({ introspection: { ..., cache: redisIntrospectionCache(client) } })`. Keys are `<keyPrefix>`
 * plus the SHA-256 (base64url) of the token the guard computes, never the token; values are JSON written
 * with `SET key value PX ttl`, where the guard's TTL never passes `introspection.cacheTtlCeiling` or the
 * token's `exp`. A value that does not parse as a cached result is a miss; a Redis error or timeout is a
 * miss too, so the guard introspects (and answers 503 only if the endpoint fails as well).
 *
 * Throws a `TypeError` now for anything but an ioredis client or a connected node-redis client, for an
 * unknown option or a bad `keyPrefix`/`timeout`.
 */
export function redisIntrospectionCache(client: RedisClient, options: RedisIntrospectionCacheOptions = {}): IntrospectionCache {
  const caller = 'redisIntrospectionCache'
  if (typeof options !== 'object' || options === null) throw new TypeError(`${caller}: options must be an object`)
  for (const key of Object.keys(options)) if (!KNOWN.has(key)) throw new TypeError(`${caller}: unknown option "${key}"`)
  const prefix = options.keyPrefix ?? 'bearer-guard:introspection:'
  if (typeof prefix !== 'string' || prefix.length > 100 || !/^[\x21-\x7E]*$/.test(prefix)) {
    throw new TypeError(`${caller}: "keyPrefix" must be printable ASCII without spaces, at most 100 characters`)
  }
  const timeout = options.timeout ?? 500
  if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout < 1 || timeout > 60_000) {
    throw new TypeError(`${caller}: "timeout" must be a number of milliseconds from 1 to 60000`)
  }
  const store = redisKeyValue(client, caller)
  return {
    async get(key) {
      const text = await within(store.get(`${prefix}${key}`), timeout, undefined)
      return text === undefined ? undefined : parseIntrospectionRecord(text)
    },
    async set(key, value, ttlMs) {
      if (!(ttlMs > 0)) return
      await within(store.set(`${prefix}${key}`, serialise(value), ttlMs), timeout, undefined)
    },
  }
}
