/** `redisReplayStore`: DPoP proof replay detection shared by every API instance that uses the same Redis. */
import type { ReplayStore } from '@bearer-guard/core'
import { type RedisClient, redisKeyValue } from './client.js'

/** Options of {@link redisReplayStore}. */
export interface RedisReplayStoreOptions {
  /**
   * Prefix of every key this store writes, so it can share a Redis database with other data. Default
   * `bearer-guard:dpop:`. Printable ASCII without spaces, at most 100 characters. (An ioredis client's own
   * `keyPrefix` applies as well, in front of it.)
   */
  readonly keyPrefix?: string
}

/**
 * A {@link ReplayStore} on the user's Redis client (ioredis or node-redis): one `SET <prefix><hash> 1 NX PX
 * <ttl>` per proof, so two instances seeing the same proof at the same moment cannot both accept it, and
 * entries expire on their own when the proof could no longer be accepted. When Redis is down or slow,
 * the guard answers 503 with `Retry-After` (after `dpop.replayStoreTimeout`), never lets the proof
 * through, and recovers as soon as the client reconnects.
 *
 * Throws a `TypeError` now for anything but an ioredis client or a connected node-redis client.
 */
export function redisReplayStore(client: RedisClient, options: RedisReplayStoreOptions = {}): ReplayStore {
  const caller = 'redisReplayStore'
  if (typeof options !== 'object' || options === null) throw new TypeError(`${caller}: options must be an object`)
  for (const key of Object.keys(options)) if (key !== 'keyPrefix') throw new TypeError(`${caller}: unknown option "${key}"`)
  const prefix = options.keyPrefix ?? 'bearer-guard:dpop:'
  if (typeof prefix !== 'string' || prefix.length > 100 || !/^[\x21-\x7E]*$/.test(prefix)) {
    throw new TypeError(`${caller}: "keyPrefix" must be printable ASCII without spaces, at most 100 characters`)
  }
  const store = redisKeyValue(client, caller)
  return {
    useOnce: (key, ttlMs) => store.setIfAbsent(`${prefix}${key}`, '1', ttlMs),
  }
}
