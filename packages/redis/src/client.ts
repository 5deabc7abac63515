/**
 * One small key-value surface over the user's Redis client, whichever it is: ioredis (`Redis`, `Cluster`)
 * or node-redis (`createClient`; clusters untested). Each operation is one Redis command; nothing here
 * connects, retries or closes: the client is the user's, with its own connection and retry settings.
 */

/**
 * An ioredis or node-redis client, connected (node-redis: after `await client.connect()`). Typed loosely on
 * purpose: both libraries' overloads must fit, and the flavour is recognised at runtime.
 */
export interface RedisClient {
  /** Redis `SET`, called with `PX` (and `NX` for replay entries) in the client's own argument style. */
  set(...args: never[]): unknown
  /** Redis `GET`. */
  get(...args: never[]): unknown
  /** Redis `DEL`. */
  del(...args: never[]): unknown
}

/**
 * What the stores in this package are built on, and what a later cache (e.g. for token introspection,
 * RFC 7662) can be built on too. Keys are used as given (the prefix is already applied); values are strings.
 */
export interface RedisKeyValue {
  /** `SET key value NX PX ttlMs`: resolves true when the key was absent and is now set. Atomic. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>
  /** `SET key value PX ttlMs`. */
  set(key: string, value: string, ttlMs: number): Promise<void>
  /** `GET key`: the value, or undefined when absent or expired. */
  get(key: string): Promise<string | undefined>
  /** `DEL key`. */
  delete(key: string): Promise<void>
}

type Flavour = 'ioredis' | 'node-redis'

function flavourOf(client: unknown, caller: string): Flavour {
  if (typeof client !== 'object' || client === null) {
    throw new TypeError(`${caller}: expected an ioredis or node-redis client object, got ${client === null ? 'null' : typeof client}`)
  }
  const c = client as Record<string, unknown>
  for (const method of ['set', 'get', 'del']) {
    if (typeof c[method] !== 'function')
      throw new TypeError(`${caller}: the client has no ${method}() method; pass an ioredis or node-redis client`)
  }
  // node-redis clients and clusters expose isOpen; ioredis Redis and Cluster expose status.
  if (typeof c.isOpen === 'boolean') {
    if (!c.isOpen) throw new TypeError(`${caller}: the node-redis client is not connected; call await client.connect() first`)
    return 'node-redis'
  }
  if (typeof c.status === 'string') return 'ioredis'
  throw new TypeError(`${caller}: not recognised as an ioredis or node-redis client`)
}

type Call = (...args: unknown[]) => Promise<unknown>

/** Wraps `client`; throws a `TypeError` now when it is neither an ioredis nor a connected node-redis client. */
export function redisKeyValue(client: RedisClient, caller = 'redisKeyValue'): RedisKeyValue {
  const flavour = flavourOf(client, caller)
  const c = client as unknown as { set: Call; get: Call; del: Call }
  const ttl = (ttlMs: number): number => {
    if (!Number.isFinite(ttlMs)) throw new RangeError('ttlMs must be a finite number')
    return Math.max(1, Math.ceil(ttlMs))
  }
  if (flavour === 'ioredis') {
    return {
      async setIfAbsent(key, value, ttlMs) {
        return (await c.set.call(client, key, value, 'PX', ttl(ttlMs), 'NX')) === 'OK'
      },
      async set(key, value, ttlMs) {
        await c.set.call(client, key, value, 'PX', ttl(ttlMs))
      },
      async get(key) {
        const value = await c.get.call(client, key)
        return typeof value === 'string' ? value : undefined
      },
      async delete(key) {
        await c.del.call(client, key)
      },
    }
  }
  // node-redis 4 to 6 all accept the { NX, PX } form (5 and 6 also have { condition, expiration }).
  return {
    async setIfAbsent(key, value, ttlMs) {
      return (await c.set.call(client, key, value, { NX: true, PX: ttl(ttlMs) })) === 'OK'
    },
    async set(key, value, ttlMs) {
      await c.set.call(client, key, value, { PX: ttl(ttlMs) })
    },
    async get(key) {
      const value = await c.get.call(client, key)
      return typeof value === 'string' ? value : undefined
    },
    async delete(key) {
      await c.del.call(client, key)
    },
  }
}
