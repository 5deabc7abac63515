/**
 * `redisReplayStore` against a real redis-server, with both clients it supports (ioredis and node-redis):
 * atomic first use, expiry, key prefix, two API instances sharing one Redis, and failing closed (503 +
 * Retry-After) while Redis is down, recovering when it returns.
 */
import type { AddressInfo } from 'node:net'
import { createGuard, type ReplayStore } from '@bearer-guard/core'
import { bearerAuth } from '@bearer-guard/express'
import { type RedisClient, redisKeyValue, redisReplayStore } from '@bearer-guard/redis'
import { createDpopKey, createTestIssuer } from '@bearer-guard/testing'
import express from 'express'
import { Redis } from 'ioredis'
import { createClient } from 'redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { INSTALL_HINT, mustRun, type RedisServer, redisServerAvailable, startRedisServer } from './redis-server.js'

const available = redisServerAvailable()
if (!available) console.info(`[redis] redis-server not found: Redis tests ${mustRun() ? 'FAIL (CI)' : 'skipped'}; ${INSTALL_HINT}`)

if (!available && mustRun()) {
  describe('redis-server under CI', () => {
    it('is installed (CI never skips the Redis tests)', () => {
      throw new Error(`redis-server not found; ${INSTALL_HINT}`)
    })
  })
}

interface Flavour {
  readonly name: string
  connect(server: RedisServer): Promise<{
    client: RedisClient
    raw: { get(key: string): Promise<unknown>; pttl(key: string): Promise<number> }
    close(): Promise<void>
  }>
}

const FLAVOURS: readonly Flavour[] = [
  {
    name: 'ioredis',
    async connect(server) {
      const client = new Redis(server.port, '127.0.0.1', { maxRetriesPerRequest: 1, retryStrategy: () => 50 })
      client.on('error', () => {})
      await client.ping()
      return { client, raw: { get: (k) => client.get(k), pttl: (k) => client.pttl(k) }, close: async () => void client.disconnect() }
    },
  },
  {
    name: 'node-redis',
    async connect(server) {
      const client = createClient({ url: server.url, socket: { reconnectStrategy: () => 50 } })
      client.on('error', () => {})
      await client.connect()
      return { client, raw: { get: (k) => client.get(k), pttl: (k) => client.pTTL(k) }, close: async () => void client.destroy() }
    },
  },
]

describe.runIf(available)('with a real redis-server', () => {
  let server: RedisServer
  beforeAll(async () => {
    server = await startRedisServer()
  })
  afterAll(async () => {
    await server?.stop()
  })

  describe.each(FLAVOURS)('$name', (flavour) => {
    let connection: Awaited<ReturnType<Flavour['connect']>>
    let store: ReplayStore
    beforeAll(async () => {
      connection = await flavour.connect(server)
      store = redisReplayStore(connection.client, { keyPrefix: `test:${flavour.name}:` })
    })
    afterAll(() => connection?.close())

    it('first use true, then false; the key carries the prefix and a TTL', async () => {
      const key = `k-${Math.random()}`
      expect(await store.useOnce(key, 60_000)).toBe(true)
      expect(await store.useOnce(key, 60_000)).toBe(false)
      expect(await connection.raw.get(`test:${flavour.name}:${key}`)).toBe('1')
      const pttl = await connection.raw.pttl(`test:${flavour.name}:${key}`)
      expect(pttl).toBeGreaterThan(50_000)
      expect(pttl).toBeLessThanOrEqual(60_000)
    })

    it('entries expire with their TTL', async () => {
      const key = `e-${Math.random()}`
      expect(await store.useOnce(key, 80)).toBe(true)
      await new Promise((resolve) => setTimeout(resolve, 200))
      expect(await store.useOnce(key, 80)).toBe(true)
    })

    it('atomic: of 25 concurrent uses of one key exactly one wins', async () => {
      const key = `c-${Math.random()}`
      const results = await Promise.all(Array.from({ length: 25 }, () => store.useOnce(key, 10_000)))
      expect(results.filter(Boolean)).toHaveLength(1)
    })

    it('the key-value surface for other caches: set, get, delete', async () => {
      const kv = redisKeyValue(connection.client)
      await kv.set(`kv:${flavour.name}`, 'value', 10_000)
      expect(await kv.get(`kv:${flavour.name}`)).toBe('value')
      expect(await kv.setIfAbsent(`kv:${flavour.name}`, 'other', 10_000)).toBe(false)
      await kv.delete(`kv:${flavour.name}`)
      expect(await kv.get(`kv:${flavour.name}`)).toBeUndefined()
    })
  })

  it('wrong arguments fail at startup', async () => {
    expect(() => redisReplayStore(undefined as never)).toThrow('redisReplayStore: expected an ioredis or node-redis client object')
    expect(() => redisReplayStore('redis://127.0.0.1' as never)).toThrow(TypeError)
    expect(() => redisReplayStore({ set() {}, get() {}, del() {} })).toThrow('not recognised as an ioredis or node-redis client')
    const closed = createClient({ url: server.url })
    expect(() => redisReplayStore(closed)).toThrow('call await client.connect() first')
    const io = new Redis(server.port, '127.0.0.1', { lazyConnect: true })
    expect(() => redisReplayStore(io, { keyPrefix: 'has space' })).toThrow('"keyPrefix" must be printable ASCII')
    expect(() => redisReplayStore(io, { prefix: 'x' } as never)).toThrow('unknown option "prefix"')
    io.disconnect()
  })

  describe('two API instances sharing one Redis (one on ioredis, one on node-redis)', () => {
    const ORIGIN = 'https://api.example.test'
    let as: Awaited<ReturnType<typeof createTestIssuer>>
    const apps: Array<{ url: string; close(): Promise<void> }> = []
    const connections: Array<{ close(): Promise<void> }> = []

    beforeAll(async () => {
      as = await createTestIssuer({ alg: 'ES256' })
      for (const flavour of FLAVOURS) {
        const connection = await flavour.connect(server)
        connections.push(connection)
        const guard = createGuard({
          issuer: as.issuer,
          audience: as.audience,
          jwksUri: as.jwksUri,
          // The same external origin: a load balancer sends the same public URL to either instance.
          dpop: { origin: ORIGIN, replayStore: redisReplayStore(connection.client), replayStoreTimeout: 300 },
        })
        const app = express()
        app.use(bearerAuth(guard))
        app.get('/things', (req, res) => {
          res.json({ jkt: req.auth?.dpop?.jkt })
        })
        const listening = app.listen(0, '127.0.0.1')
        await new Promise((resolve) => listening.once('listening', resolve))
        apps.push({
          url: `http://127.0.0.1:${(listening.address() as AddressInfo).port}`,
          close: () => new Promise((resolve) => listening.close(() => resolve())),
        })
      }
    })
    afterAll(async () => {
      await Promise.all(apps.map((app) => app.close()))
      await Promise.all(connections.map((c) => c.close()))
      await as?.close()
    })

    const get = (url: string, headers: Record<string, string>) => fetch(`${url}/things`, { headers })

    it('a proof accepted by one instance is refused as a replay by the other, both ways', async () => {
      const key = await createDpopKey('EdDSA')
      const token = await as.sign({ cnf: { jkt: key.jkt } })
      for (const [first, second] of [
        [apps[0], apps[1]],
        [apps[1], apps[0]],
      ] as const) {
        const headers = await key.headers(token, { method: 'GET', url: `${ORIGIN}/things` })
        const accepted = await get(first?.url as string, headers)
        expect(accepted.status).toBe(200)
        expect(await accepted.json()).toEqual({ jkt: key.jkt })
        const replayed = await get(second?.url as string, headers)
        expect(replayed.status).toBe(401)
        expect(replayed.headers.get('www-authenticate')).toContain('error="invalid_dpop_proof", error_description="DPoP proof replayed"')
      }
    })

    it('Redis down: 503 with Retry-After on both instances (never a pass); back up: requests pass again', async () => {
      const key = await createDpopKey('ES256')
      const token = await as.sign({ cnf: { jkt: key.jkt } })
      await server.stop()
      try {
        for (const app of apps) {
          const started = Date.now()
          const response = await get(app.url, await key.headers(token, { method: 'GET', url: `${ORIGIN}/things` }))
          expect(response.status).toBe(503)
          expect(response.headers.get('retry-after')).toBe('1')
          expect(Date.now() - started).toBeLessThan(3000)
        }
      } finally {
        await server.start()
      }
      for (const app of apps) {
        const deadline = Date.now() + 8000
        let status = 0
        while (Date.now() < deadline) {
          status = (await get(app.url, await key.headers(token, { method: 'GET', url: `${ORIGIN}/things` }))).status
          if (status === 200) break
          await new Promise((resolve) => setTimeout(resolve, 100))
        }
        expect(status).toBe(200)
      }
    })
  })
})
