/**
 * `redisIntrospectionCache` against a real redis-server and the test issuer's real introspection endpoint:
 * two API instances (one on ioredis, one on node-redis) share results, active and inactive; keys are token
 * hashes, TTLs stay under the ceiling and `exp`, garbage planted in Redis is a miss (never a pass), and a
 * Redis outage falls back to introspecting.
 */
import { createHash } from 'node:crypto'
import { createGuard, type Guard } from '@bearer-guard/core'
import { redisIntrospectionCache } from '@bearer-guard/redis'
import { createTestIssuer, type TestIssuer } from '@bearer-guard/testing'
import { Redis } from 'ioredis'
import { createClient } from 'redis'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type RedisServer, redisServerAvailable, startRedisServer } from './redis-server.js'

const PREFIX = 'test:introspection:'
const CEILING = 5_000
const hash = (token: string): string => createHash('sha256').update(token).digest('base64url')

async function refusal(promise: Promise<unknown>): Promise<{ status: number; description: string }> {
  try {
    await promise
  } catch (error) {
    return error as { status: number; description: string }
  }
  throw new Error('expected a rejection')
}

describe.runIf(redisServerAvailable())('redisIntrospectionCache with a real redis-server', () => {
  let server: RedisServer
  let as: TestIssuer
  let io: Redis
  let node: ReturnType<typeof createClient>
  /** [0] uses ioredis, [1] node-redis: two instances of one API behind a load balancer. */
  let instances: [Guard, Guard]

  const guardOn = (client: Redis | ReturnType<typeof createClient>): Guard =>
    createGuard({
      issuer: as.issuer,
      audience: as.audience,
      jwksUri: as.jwksUri,
      introspection: {
        endpoint: as.introspectionEndpoint,
        clientId: 'resource-server',
        clientSecret: 'resource-server-secret',
        cacheTtlCeiling: CEILING,
        cache: redisIntrospectionCache(client, { keyPrefix: PREFIX, timeout: 300 }),
      },
    })

  beforeAll(async () => {
    server = await startRedisServer()
    as = await createTestIssuer()
    io = new Redis(server.port, '127.0.0.1', { maxRetriesPerRequest: 1, retryStrategy: () => 50 })
    io.on('error', () => {})
    await io.ping()
    node = createClient({ url: server.url, socket: { reconnectStrategy: () => 50 } })
    node.on('error', () => {})
    await node.connect()
    instances = [guardOn(io), guardOn(node)]
  })
  afterAll(async () => {
    io?.disconnect()
    node?.destroy()
    await as?.close()
    await server?.stop()
  })
  beforeEach(() => as.resetCounts())

  it('an active result from one instance serves the other from Redis, both ways (one introspection call each)', async () => {
    for (const [first, second] of [instances, [instances[1], instances[0]]] as const) {
      const token = as.issueOpaque({ client_id: 'reports-cron' }, { scope: 'read:data' })
      const before = as.introspectionRequests
      await expect(first.verify(token)).resolves.toMatchObject({ clientId: 'reports-cron', scopes: ['read:data'] })
      await expect(second.verify(token)).resolves.toMatchObject({ clientId: 'reports-cron', scopes: ['read:data'] })
      expect(as.introspectionRequests - before).toBe(1)
    }
  })

  it('inactive results are shared too', async () => {
    const token = as.issueOpaque()
    as.revoke(token)
    expect(await refusal(instances[0].verify(token))).toMatchObject({ status: 401, description: 'token not active' })
    expect(await refusal(instances[1].verify(token))).toMatchObject({ status: 401, description: 'token not active' })
    expect(as.introspectionRequests).toBe(1)
    expect(JSON.parse((await io.get(`${PREFIX}${hash(token)}`)) as string)).toEqual({ active: false })
  })

  it('keys are SHA-256 hashes of tokens: no token appears in any key or value', async () => {
    const tokens = [as.issueOpaque(), as.issueOpaque()]
    for (const token of tokens) await instances[1].verify(token)
    const keys = await io.keys('*')
    expect(keys.length).toBeGreaterThanOrEqual(2)
    for (const token of tokens) expect(keys).toContain(`${PREFIX}${hash(token)}`)
    for (const key of keys) {
      expect(key).toMatch(/^test:introspection:[A-Za-z0-9_-]{43}$/)
      const value = (await io.get(key)) as string
      for (const token of tokens) {
        expect(key).not.toContain(token)
        expect(value).not.toContain(token)
      }
    }
  })

  it('the TTL never passes the ceiling, nor the token exp', async () => {
    const long = as.issueOpaque({ exp: Math.floor(Date.now() / 1000) + 3600 })
    await instances[0].verify(long)
    const pttl = await io.pttl(`${PREFIX}${hash(long)}`)
    expect(pttl).toBeGreaterThan(CEILING - 1000)
    expect(pttl).toBeLessThanOrEqual(CEILING)
    const soon = as.issueOpaque({ exp: Math.floor(Date.now() / 1000) + 2 })
    await instances[1].verify(soon)
    const soonTtl = await node.pTTL(`${PREFIX}${hash(soon)}`)
    expect(soonTtl).toBeGreaterThan(0)
    expect(soonTtl).toBeLessThanOrEqual(2000)
    const revoked = as.issueOpaque()
    as.revoke(revoked)
    await refusal(instances[0].verify(revoked))
    expect(await io.pttl(`${PREFIX}${hash(revoked)}`)).toBeLessThanOrEqual(CEILING)
  })

  it('values planted in Redis that are not cached results are misses: the endpoint decides, nothing passes', async () => {
    const now = Math.floor(Date.now() / 1000)
    const claims = { iss: as.issuer, aud: as.audience, exp: now + 600, client_id: 'intruder', scope: 'admin' }
    const planted = [
      'not json',
      '',
      'null',
      '[1]',
      'true',
      JSON.stringify({ active: 'true', claims }),
      JSON.stringify({ active: 1, claims }),
      JSON.stringify({ active: true }),
      JSON.stringify({ active: true, claims: [claims] }),
      JSON.stringify({ active: true, claims: null }),
      JSON.stringify({ active: true, claims, extra: 1 }),
      JSON.stringify({ active: false, claims }),
      `${JSON.stringify({ active: true, claims })}x`,
    ]
    for (const [i, value] of planted.entries()) {
      // Never issued: the endpoint says inactive, so any pass would come from the planted value.
      const token = `never-issued-token-${i}-${'x'.repeat(24)}`
      for (const instance of instances) {
        await io.set(`${PREFIX}${hash(token)}`, value, 'PX', 60_000)
        expect(await refusal(instance.verify(token)), value).toMatchObject({ status: 401, description: 'token not active' })
      }
    }
    expect(as.introspectionRequests).toBe(planted.length * 2)
    // And an issued, active token whose entry was overwritten with garbage still works (by introspection).
    const token = as.issueOpaque({ client_id: 'reports-cron' })
    await io.set(`${PREFIX}${hash(token)}`, '{"active":', 'PX', 60_000)
    await expect(instances[1].verify(token)).resolves.toMatchObject({ clientId: 'reports-cron' })
    expect(JSON.parse((await io.get(`${PREFIX}${hash(token)}`)) as string)).toMatchObject({ active: true })
  })

  it('Redis down: both instances introspect instead (active passes, revoked is refused), quickly; back up: shared again', async () => {
    const active = as.issueOpaque({ client_id: 'reports-cron' })
    const revoked = as.issueOpaque()
    as.revoke(revoked)
    await server.stop()
    try {
      for (const instance of instances) {
        const started = Date.now()
        await expect(instance.verify(active)).resolves.toMatchObject({ clientId: 'reports-cron' })
        expect(await refusal(instance.verify(revoked))).toMatchObject({ status: 401, description: 'token not active' })
        expect(Date.now() - started).toBeLessThan(3000)
      }
      // No cache while Redis is down: each instance asked the endpoint for each token (no pass without an answer).
      expect(as.introspectionRequests).toBeGreaterThanOrEqual(4)
    } finally {
      await server.start()
    }
    const token = as.issueOpaque()
    const deadline = Date.now() + 8000
    while (Date.now() < deadline && (await io.ping().catch(() => '')) !== 'PONG') await new Promise((r) => setTimeout(r, 50))
    while (Date.now() < deadline && !node.isReady) await new Promise((r) => setTimeout(r, 50))
    const before = as.introspectionRequests
    await instances[0].verify(token)
    await instances[1].verify(token)
    expect(as.introspectionRequests - before).toBe(1)
  })

  it('wrong arguments fail at startup', () => {
    expect(() => redisIntrospectionCache(undefined as never)).toThrow(
      'redisIntrospectionCache: expected an ioredis or node-redis client object',
    )
    expect(() => redisIntrospectionCache('redis://127.0.0.1' as never)).toThrow(TypeError)
    expect(() => redisIntrospectionCache({ set() {}, get() {}, del() {} })).toThrow('not recognised as an ioredis or node-redis client')
    expect(() => redisIntrospectionCache(createClient({ url: server.url }))).toThrow('call await client.connect() first')
    expect(() => redisIntrospectionCache(io, { keyPrefix: 'has space' })).toThrow('"keyPrefix" must be printable ASCII')
    expect(() => redisIntrospectionCache(io, { prefix: 'x' } as never)).toThrow('unknown option "prefix"')
    expect(() => redisIntrospectionCache(io, { timeout: 0 })).toThrow('"timeout" must be a number of milliseconds')
    expect(() => redisIntrospectionCache(io, null as never)).toThrow('options must be an object')
  })
})
