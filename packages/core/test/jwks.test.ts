/**
 * The remote JWKS cache against a real issuer: single flight, rotation, the unknown-`kid` cooldown,
 * stale-while-revalidate, stale-if-error then 503, backoff, timeouts, size limits, malformed documents
 * and keys, and `Cache-Control`. Time is the guard's `clock`, so nothing here sleeps for a cooldown.
 */
import { randomUUID } from 'node:crypto'
import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { createGuard, type GuardOptions, type KeySetFetchEvent, ServiceUnavailableError } from '@bearer-guard/core'
import { createTestIssuer, type TestIssuer, type TestIssuerOptions } from '@bearer-guard/testing'
import { exportJWK } from 'jose'
import { afterEach, describe, expect, it } from 'vitest'
import { eventually, expectInvalidToken, expectUnavailable, type FakeClock, fakeClock } from './helpers.js'

const open: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((issuer) => issuer.close()))
})

async function issuer(options: TestIssuerOptions = {}): Promise<TestIssuer> {
  const created = await createTestIssuer({ alg: 'ES256', ...options })
  open.push(created)
  return created
}

interface Setup {
  readonly as: TestIssuer
  readonly time: FakeClock
  readonly events: KeySetFetchEvent[]
  readonly guard: ReturnType<typeof createGuard>
}

async function setup(extra: Partial<GuardOptions> = {}, issuerOptions: TestIssuerOptions = {}): Promise<Setup> {
  const as = await issuer(issuerOptions)
  const time = fakeClock()
  const events: KeySetFetchEvent[] = []
  const guard = createGuard({
    issuer: as.issuer,
    audience: as.audience,
    jwksUri: as.jwksUri,
    clock: time.clock,
    // Fresh tokens are signed per test, but a cache hit must never hide a key-set decision here.
    tokenCache: false,
    onJwksFetch: (event) => events.push(event),
    ...extra,
  })
  return { as, time, events, guard }
}

/** A plain HTTP server answering every request with `handler`, closed after the test; cuts open sockets. */
async function rawServer(handler: (res: ServerResponse) => void): Promise<{ url: string }> {
  const sockets = new Set<Socket>()
  const server = createServer((_req, res) => handler(res))
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  open.push({
    close: () => {
      for (const socket of sockets) socket.destroy()
      return new Promise<void>((resolve) => server.close(() => resolve()))
    },
  })
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks` }
}

/** A token signed with the issuer's current key but naming a `kid` nobody published. */
const randomKidToken = (as: TestIssuer) => as.sign({}, { header: { kid: randomUUID() } })

describe('single flight', () => {
  it('N concurrent requests on a cold cache make exactly one JWKS fetch', async () => {
    const { as, guard, events } = await setup()
    const tokens = await Promise.all(Array.from({ length: 25 }, () => as.sign()))
    const results = await Promise.all(tokens.map((token) => guard.verify(token)))
    expect(results).toHaveLength(25)
    expect(as.requests.jwks).toBe(1)
    expect(events).toEqual([{ ok: true, reason: 'initial', keys: 1, skipped: [] }])
  })

  it('N concurrent requests while the first fetch fails share that one failure', async () => {
    const { as, guard } = await setup()
    as.fail('http-500')
    const tokens = await Promise.all(Array.from({ length: 10 }, () => as.sign()))
    const outcomes = await Promise.allSettled(tokens.map((token) => guard.verify(token)))
    expect(outcomes.every((o) => o.status === 'rejected' && (o.reason as { status: number }).status === 503)).toBe(true)
    expect(as.requests.jwks).toBe(1)
  })

  it('a warm cache serves many tokens with no further fetch', async () => {
    const { as, guard, time } = await setup()
    for (let i = 0; i < 10; i++) {
      await guard.verify(await as.sign())
      time.advance(30_000)
    }
    expect(as.requests.jwks).toBe(1)
  })

  it('reload() fetches now, and concurrent reloads share one fetch', async () => {
    const { as, guard, events } = await setup()
    await guard.verify(await as.sign())
    await Promise.all([guard.reload(), guard.reload(), guard.reload()])
    expect(as.requests.jwks).toBe(2)
    expect(events.map((e) => e.reason)).toEqual(['initial', 'reload'])
  })

  it('a failed reload() rejects with a 503 ServiceUnavailableError and leaves the cached keys serving', async () => {
    const { as, guard } = await setup()
    await guard.verify(await as.sign())
    as.fail('http-500')
    const error = await guard.reload().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ServiceUnavailableError)
    expect(error).toMatchObject({ status: 503, headers: { 'retry-after': '1' } })
    await expect(guard.verify(await as.sign())).resolves.toBeDefined()
  })
})

describe('rotation and unknown kids', () => {
  it('a new key is picked up through an unknown-kid refetch; old tokens keep working while their key is listed', async () => {
    const { as, guard, time, events } = await setup()
    const oldToken = await as.sign()
    await guard.verify(oldToken)
    const newKid = await as.rotate()
    time.advance(30_000)
    const newToken = await as.sign()
    await expect(guard.verify(newToken)).resolves.toMatchObject({ header: { kid: newKid } })
    await expect(guard.verify(oldToken)).resolves.toBeDefined()
    expect(events.map((e) => e.reason)).toEqual(['initial', 'unknown-kid'])
    expect(as.requests.jwks).toBe(2)
  })

  it('a key dropped from the JWKS stops verifying once the set is refreshed', async () => {
    const { as, guard, time } = await setup()
    const oldToken = await as.sign()
    await guard.verify(oldToken)
    await as.rotate({ keepPrevious: false })
    time.advance(30_000)
    await guard.verify(await as.sign())
    await expectInvalidToken(guard.verify(oldToken), 'unknown signing key')
  })

  it('a flood of random kids inside the cooldown makes no fetch at all', async () => {
    const { as, guard } = await setup()
    await guard.verify(await as.sign())
    const flood = await Promise.all(Array.from({ length: 100 }, () => randomKidToken(as)))
    const outcomes = await Promise.allSettled(flood.map((token) => guard.verify(token)))
    expect(
      outcomes.filter((o) => o.status === 'rejected' && (o.reason as { description: string }).description === 'unknown signing key'),
    ).toHaveLength(100)
    expect(as.requests.jwks).toBe(1)
  })

  it('a flood of random kids makes at most one fetch per cooldown', async () => {
    const { as, guard, time, events } = await setup({ cooldownDuration: 30_000 })
    await guard.verify(await as.sign())
    for (let round = 1; round <= 3; round++) {
      time.advance(30_000)
      const flood = await Promise.all(Array.from({ length: 50 }, () => randomKidToken(as)))
      // Concurrent and then sequential: both must collapse into the one refetch of this cooldown window.
      await Promise.allSettled(flood.map((token) => guard.verify(token)))
      for (const token of flood.slice(0, 10)) await expectInvalidToken(guard.verify(token), 'unknown signing key')
      expect(as.requests.jwks).toBe(1 + round)
    }
    expect(events.map((e) => e.reason)).toEqual(['initial', 'unknown-kid', 'unknown-kid', 'unknown-kid'])
  })

  it('a key published later is accepted after one cooldown, not before', async () => {
    const { as, guard, time } = await setup({ cooldownDuration: 10_000 })
    await guard.verify(await as.sign())
    const kid = await as.rotate({ publish: false })
    const token = await as.sign({}, { kid })
    time.advance(10_000)
    // This refetch does not find it yet.
    await expectInvalidToken(guard.verify(token), 'unknown signing key')
    expect(as.requests.jwks).toBe(2)
    as.publish(kid)
    time.advance(9_999)
    await expectInvalidToken(guard.verify(token), 'unknown signing key')
    expect(as.requests.jwks).toBe(2)
    time.advance(1)
    await expect(guard.verify(token)).resolves.toMatchObject({ header: { kid } })
    expect(as.requests.jwks).toBe(3)
  })

  it('a token without kid is accepted when exactly one key fits, and refused when several do', async () => {
    const { as, guard } = await setup()
    await expect(guard.verify(await as.sign({}, { header: { kid: undefined } }))).resolves.toBeDefined()
    await as.rotate()
    await guard.reload()
    await expectInvalidToken(guard.verify(await as.sign({}, { header: { kid: undefined } })), 'unknown signing key')
  })

  it('duplicate kids: the key that verifies wins', async () => {
    const { as, guard } = await setup()
    const second = await as.rotate({ publish: false })
    const firstKid = as.kids[0] as string
    as.setExtraKeys([{ ...as.publicJwk(second), kid: firstKid }])
    await expect(guard.verify(await as.sign({}, { kid: second, header: { kid: firstKid } }))).resolves.toBeDefined()
    await expect(guard.verify(await as.sign({}, { kid: firstKid }))).resolves.toBeDefined()
  })
})

describe('freshness: max age and stale-while-revalidate', () => {
  it('past its max age the set keeps serving while one background refresh runs', async () => {
    const { as, guard, time, events } = await setup({ timeoutDuration: 300 })
    await guard.verify(await as.sign())
    time.advance(600_000)
    as.fail('hang')
    // The refresh hangs; the request must not wait for it.
    await expect(guard.verify(await as.sign())).resolves.toBeDefined()
    await expect(guard.verify(await as.sign())).resolves.toBeDefined()
    expect(events).toHaveLength(1)
    await eventually(() => as.requests.jwks === 2)
    await eventually(() => events.length === 2)
    expect(events[1]).toMatchObject({ ok: false, reason: 'expired' })
    expect(as.requests.jwks).toBe(2)
  })

  it('the default max age is 10 minutes', async () => {
    const { as, guard, time } = await setup()
    await guard.verify(await as.sign())
    time.advance(599_999)
    await guard.verify(await as.sign())
    expect(as.requests.jwks).toBe(1)
    time.advance(1)
    await guard.verify(await as.sign())
    await eventually(() => as.requests.jwks === 2)
  })

  it('cacheMaxAge sets the max age', async () => {
    const { as, guard, time } = await setup({ cacheMaxAge: 120_000 })
    await guard.verify(await as.sign())
    time.advance(119_000)
    await guard.verify(await as.sign())
    expect(as.requests.jwks).toBe(1)
    time.advance(1_000)
    await guard.verify(await as.sign())
    await eventually(() => as.requests.jwks === 2)
  })
})

describe('Cache-Control', () => {
  /** JWKS fetches started after each clock step; a background refresh is waited for before the next step. */
  async function refetchedAfter(jwksCacheControl: string, extra: Partial<GuardOptions>, stepsMs: number[]): Promise<number[]> {
    let started = 0
    const { as, guard, time, events } = await setup(
      {
        ...extra,
        // Pass-through to the real fetch, counting when a fetch starts (the issuer counts when it arrives).
        fetch: (input, init) => {
          started += 1
          return globalThis.fetch(input, init)
        },
      },
      { jwksCacheControl },
    )
    const longLived = () => as.sign({}, { expiresIn: 7 * 86_400 })
    await guard.verify(await longLived())
    const counts: number[] = []
    for (const step of stepsMs) {
      time.advance(step)
      await guard.verify(await longLived())
      await new Promise((resolve) => setImmediate(resolve))
      counts.push(started)
      await eventually(() => events.length === started)
    }
    expect(as.requests.jwks).toBe(started)
    return counts
  }

  it('max-age is honoured', async () => {
    expect(await refetchedAfter('public, max-age=120', {}, [119_000, 1_000])).toEqual([1, 2])
  })

  it('a max-age below one minute is raised to one minute', async () => {
    expect(await refetchedAfter('max-age=5', {}, [30_000, 29_999, 1])).toEqual([1, 1, 2])
  })

  it('no-store and no-cache mean the one-minute floor, not a refetch per request', async () => {
    expect(await refetchedAfter('no-store', {}, [1_000, 58_999, 1_000])).toEqual([1, 1, 2])
    expect(await refetchedAfter('no-cache, max-age=3600', {}, [59_999, 1])).toEqual([1, 2])
  })

  it('a max-age above a day is capped at a day', async () => {
    expect(await refetchedAfter('max-age=604800', {}, [86_399_000, 1_000])).toEqual([1, 2])
  })

  it('honorCacheControl: false uses cacheMaxAge', async () => {
    expect(await refetchedAfter('max-age=60', { honorCacheControl: false }, [61_000, 539_000])).toEqual([1, 2])
  })
})

describe('failures: stale-if-error, backoff and 503', () => {
  it('when refreshes fail, the last good set keeps serving until the stale-if-error bound, then 503', async () => {
    const { as, guard, time, events } = await setup({ cacheMaxAge: 60_000, staleIfErrorDuration: 120_000, cooldownDuration: 5_000 })
    await guard.verify(await as.sign())
    as.fail('http-500')
    time.advance(60_000)
    await expect(guard.verify(await as.sign())).resolves.toBeDefined()
    await eventually(() => events.length === 2)
    expect(events[1]).toMatchObject({ ok: false, reason: 'expired' })
    time.advance(119_999)
    await expect(guard.verify(await as.sign())).resolves.toBeDefined()
    await eventually(() => events.length === 3)
    time.advance(1)
    const error = await expectUnavailable(guard.verify(await as.sign()))
    expect(Number(error.headers['retry-after'])).toBeGreaterThanOrEqual(1)
    // Recovery: the next attempt after the backoff succeeds and requests pass again.
    as.fail('ok')
    time.advance(5_000)
    await expect(guard.verify(await as.sign())).resolves.toBeDefined()
  })

  it('a cold cache with the JWKS down: 503 with Retry-After, then exponential backoff without hammering', async () => {
    const { as, guard, time } = await setup({ cooldownDuration: 30_000 })
    as.fail('down')
    const token = await as.sign()
    expect((await expectUnavailable(guard.verify(token))).headers['retry-after']).toBe('1')
    expect(as.requests.jwks).toBe(1)
    // Inside the backoff: no fetch, Retry-After counts down.
    time.advance(500)
    expect((await expectUnavailable(guard.verify(token))).headers['retry-after']).toBe('1')
    expect(as.requests.jwks).toBe(1)
    time.advance(500)
    expect((await expectUnavailable(guard.verify(token))).headers['retry-after']).toBe('2')
    expect(as.requests.jwks).toBe(2)
    time.advance(2_000)
    expect((await expectUnavailable(guard.verify(token))).headers['retry-after']).toBe('4')
    expect(as.requests.jwks).toBe(3)
    time.advance(4_000)
    await expectUnavailable(guard.verify(token))
    expect(as.requests.jwks).toBe(4)
    as.fail('ok')
    time.advance(8_000)
    await expect(guard.verify(token)).resolves.toBeDefined()
    expect(as.requests.jwks).toBe(5)
  })

  it('backoff is capped at the cooldown', async () => {
    const { as, guard, time } = await setup({ cooldownDuration: 3_000 })
    as.fail('http-500')
    const token = await as.sign()
    for (const wait of [1_000, 2_000, 3_000, 3_000, 3_000]) {
      await expectUnavailable(guard.verify(token))
      time.advance(wait)
    }
    expect(as.requests.jwks).toBe(5)
  })

  it('the timeout fires within timeoutDuration when the JWKS never answers', async () => {
    const { as, guard } = await setup({ timeoutDuration: 300 })
    as.fail('hang')
    const started = performance.now()
    await expectUnavailable(guard.verify(await as.sign()))
    const elapsed = performance.now() - started
    expect(elapsed).toBeGreaterThanOrEqual(250)
    expect(elapsed).toBeLessThan(1_500)
  })

  it('an answer slower than the timeout is a 503', async () => {
    const { as, guard } = await setup({ timeoutDuration: 200 })
    as.fail('slow', { delayMs: 600 })
    await expectUnavailable(guard.verify(await as.sign()))
  })

  it('the timeout also covers a body that starts and then stalls', async () => {
    const as = await issuer()
    const stall = await rawServer((res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.write('{"keys":[')
    })
    const guard = createGuard({ issuer: as.issuer, audience: as.audience, jwksUri: stall.url, timeoutDuration: 300 })
    const started = performance.now()
    await expectUnavailable(guard.verify(await as.sign()))
    expect(performance.now() - started).toBeLessThan(1_500)
  })

  it('a declared Content-Length above maxResponseSize is refused', async () => {
    const as = await issuer()
    const body = JSON.stringify({ keys: [as.publicJwk(as.kids[0] as string)], padding: 'x'.repeat(2048) })
    const big = await rawServer((res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body)
    })
    const guard = createGuard({ issuer: as.issuer, audience: as.audience, jwksUri: big.url, maxResponseSize: 1024 })
    await expectUnavailable(guard.verify(await as.sign()))
    // The same document is fine under a larger limit.
    const roomy = createGuard({ issuer: as.issuer, audience: as.audience, jwksUri: big.url, maxResponseSize: 4096 })
    await expect(roomy.verify(await as.sign())).resolves.toBeDefined()
  })

  it('a slow answer within the timeout is fine', async () => {
    const { as, guard } = await setup({ timeoutDuration: 2_000 })
    as.fail('slow', { delayMs: 100 })
    await expect(guard.verify(await as.sign())).resolves.toBeDefined()
  })

  it('an oversized body is cut off: 503', async () => {
    const { as, guard, events } = await setup({ maxResponseSize: 1024 })
    as.fail('oversized')
    await expectUnavailable(guard.verify(await as.sign()))
    expect(events[0]?.error).toMatchObject({ message: 'response larger than 1024 bytes' })
  })

  it('an endless body is cut off at the default limit too', async () => {
    const { as, guard } = await setup()
    as.fail('oversized')
    await expectUnavailable(guard.verify(await as.sign()))
  })

  it('a JWKS that is not JSON: 503', async () => {
    const { as, guard } = await setup()
    as.fail('invalid-json')
    await expectUnavailable(guard.verify(await as.sign()))
  })

  it('a JWKS without usable keys: 503 on a cold cache', async () => {
    const { as, guard } = await setup()
    as.fail('empty-keys')
    await expectUnavailable(guard.verify(await as.sign()))
  })

  it('a refresh yielding no usable key does not wipe out the good set', async () => {
    const { as, guard, events } = await setup()
    await guard.verify(await as.sign())
    as.fail('empty-keys')
    await expect(guard.reload()).rejects.toThrow()
    expect(events[1]).toMatchObject({ ok: false, reason: 'reload' })
    await expect(guard.verify(await as.sign())).resolves.toBeDefined()
  })

  it.each(['http-500', 'http-404'] as const)('%s: 503 whose client-visible parts leak nothing of the upstream', async (mode) => {
    const { as, guard } = await setup()
    as.fail(mode)
    const error = await expectUnavailable(guard.verify(await as.sign()))
    const visible = JSON.stringify({ message: error.message, body: error, headers: error.headers, stack: error.stack })
    for (const leak of ['secret-upstream-detail', '/srv/keys', '127.0.0.1', 'jwks', 'HTTP', '500', '404']) {
      expect(visible).not.toContain(leak)
    }
    expect(error.cause).toMatchObject({ reason: 'keys_unavailable', configuration: false, url: as.jwksUri, error: expect.any(Error) })
  })

  it('a redirect is refused unless followRedirects', async () => {
    const mirror = await issuer()
    const { as, guard } = await setup()
    mirror.setExtraKeys([as.publicJwk(as.kids[0] as string)])
    as.fail('redirect', { location: mirror.jwksUri })
    await expectUnavailable(guard.verify(await as.sign()))
    expect(mirror.requests.jwks).toBe(0)

    const following = createGuard({ issuer: as.issuer, audience: as.audience, jwksUri: as.jwksUri, followRedirects: true })
    await expect(following.verify(await as.sign())).resolves.toBeDefined()
    expect(mirror.requests.jwks).toBe(1)
  })

  it('a followed redirect must still pass the URL policy: no hop to plain http off loopback', async () => {
    const { as } = await setup()
    as.fail('redirect', { location: 'http://keys.example.invalid/jwks.json' })
    const following = createGuard({ issuer: as.issuer, audience: as.audience, jwksUri: as.jwksUri, followRedirects: true })
    const error = await following.verify(await as.sign()).catch((e: unknown) => e)
    expect(error).toMatchObject({ status: 503 })
    expect((error as Error).cause).toMatchObject({
      reason: 'keys_unavailable',
      detail: 'redirect target refused',
      url: 'http://keys.example.invalid/jwks.json',
    })
  })

  it('an unknown-kid refetch that fails keeps the cached set and answers 401, not 503', async () => {
    const { as, guard, time } = await setup()
    const good = await as.sign()
    await guard.verify(good)
    as.fail('http-500')
    time.advance(30_000)
    await expectInvalidToken(guard.verify(await randomKidToken(as)), 'unknown signing key')
    expect(as.requests.jwks).toBe(2)
    await expect(guard.verify(await as.sign())).resolves.toBeDefined()
  })
})

describe('hostile and malformed JWKS entries are skipped, good keys still work', () => {
  it('skips enc, oct, private, unknown, malformed and non-object entries with a reason', async () => {
    const { as, guard, events } = await setup()
    const good = as.publicJwk(as.kids[0] as string)
    as.setExtraKeys([
      { ...good, kid: 'enc', use: 'enc' },
      { ...good, kid: 'ops', key_ops: ['encrypt'] },
      { kty: 'oct', kid: 'oct', k: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA' },
      { ...good, kid: 'private', d: 'AAAA' },
      { kty: 'FOO', kid: 'foo' },
      { ...good, kid: 'bad-x', x: 'not-a-point' },
      { ...good, kid: 'rsa-alg', alg: 'RS256' },
      { ...good, kid: 'p384', alg: undefined, crv: 'P-384' },
      { ...good, kid: 42 },
      { ...good, kid: 'x-num', x: 12 },
      { kid: 'no-kty' },
      'a string',
      null,
      [good],
    ])
    await expect(guard.verify(await as.sign())).resolves.toBeDefined()
    expect(events[0]).toMatchObject({ ok: true, keys: 1 })
    expect(events[0]?.skipped).toEqual([
      { kid: 'enc', reason: 'use is not sig' },
      { kid: 'ops', reason: 'key_ops lacks verify' },
      { kid: 'oct', reason: 'symmetric keys are never taken from a JWKS' },
      { kid: 'private', reason: 'contains private key members' },
      { kid: 'foo', reason: 'no allowed algorithm fits the key' },
      { kid: 'bad-x', reason: 'key material rejected' },
      { kid: 'rsa-alg', reason: 'no allowed algorithm fits the key' },
      { kid: 'p384', reason: 'key material rejected' },
      { kid: 42, reason: 'kid is not a string' },
      { kid: 'x-num', reason: 'x is not a string' },
      { kid: 'no-kty', reason: 'missing kty' },
      { kid: undefined, reason: 'not an object' },
      { kid: undefined, reason: 'not an object' },
      { kid: undefined, reason: 'not an object' },
    ])
  })

  it.each([
    ['use: enc', { use: 'enc' }],
    ['key_ops without verify', { key_ops: ['encrypt', 'decrypt'] }],
    ['key_ops not an array', { key_ops: 'verify' }],
  ])('a token signed by a key published only with %s is refused', async (_name, override) => {
    const { as, guard, time } = await setup()
    await guard.verify(await as.sign())
    const kid = await as.rotate({ publish: false })
    as.setExtraKeys([{ ...as.publicJwk(kid), ...override }])
    time.advance(30_000)
    await expectInvalidToken(guard.verify(await as.sign({}, { kid })), 'unknown signing key')
  })

  it('a key published as a private JWK is refused, never "helpfully" used', async () => {
    const { as, guard } = await setup()
    const kid = await as.rotate({ publish: false })
    as.setExtraKeys([{ ...(await exportJWK(as.privateKey(kid))), kid, alg: 'ES256' }])
    await expectInvalidToken(guard.verify(await as.sign({}, { kid })), 'unknown signing key')
  })

  it('key_ops including verify is fine', async () => {
    const { as, guard } = await setup()
    const kid = await as.rotate({ publish: false })
    as.setExtraKeys([{ ...as.publicJwk(kid), use: undefined, key_ops: ['verify'] }])
    await expect(guard.verify(await as.sign({}, { kid }))).resolves.toBeDefined()
  })
})

describe('fetch options', () => {
  it('sends Accept: application/json and fetchHeaders through the configured fetch', async () => {
    const seen: Array<{ url: string; headers: Record<string, string> }> = []
    const { as, guard } = await setup({
      fetchHeaders: { 'x-api-key': 'k1' },
      // A pass-through to the real fetch that records what was asked: the request still reaches the issuer.
      fetch: (input, init) => {
        seen.push({ url: String(input), headers: { ...(init?.headers as Record<string, string>) } })
        return globalThis.fetch(input, init)
      },
    })
    await guard.verify(await as.sign())
    expect(seen).toEqual([{ url: as.jwksUri, headers: { accept: 'application/json', 'x-api-key': 'k1' } }])
    expect(as.requests.jwks).toBe(1)
  })

  it('creating a guard makes no request', async () => {
    const as = await issuer()
    createGuard({ issuer: as.issuer, audience: as.audience, jwksUri: as.jwksUri })
    createGuard({ issuer: as.issuer, audience: as.audience })
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(as.requests.total).toBe(0)
  })
})
