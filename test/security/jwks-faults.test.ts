/**
 * A misbehaving authorization server, for real: the testing kit's issuer goes down, hangs, answers 500/404,
 * garbage or an endless body, redirects elsewhere, rotates and removes keys. Time is the guard's injected
 * clock (cooldowns, max ages, stale-if-error windows), so nothing sleeps; only the fetch timeout is real.
 */
import { createGuard, type Guard, type GuardOptions } from '@bearer-guard/core'
import { createTestIssuer, type TestIssuer } from '@bearer-guard/testing'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ADAPTERS, leaks, rawRequest, startServer } from './support/servers.js'
import { expectVerdict } from './support/verdict.js'
import { bearer, type Outcome, outcome } from './support/world.js'

const open: TestIssuer[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((i) => i.close()))
})

async function issuer(): Promise<TestIssuer> {
  const created = await createTestIssuer({ alg: 'ES256' })
  open.push(created)
  return created
}

/** A guard on `as`'s JWKS with a hand-moved clock. */
function setup(as: TestIssuer, options: Partial<GuardOptions> = {}): { guard: Guard; advance: (ms: number) => void } {
  let now = Date.now()
  const guard = createGuard({ issuer: as.issuer, audience: as.audience, jwksUri: as.jwksUri, clock: () => now, ...options })
  return { guard, advance: (ms) => (now += ms) }
}

const UNAVAILABLE = { status: 503, code: undefined, description: 'authorization keys temporarily unavailable' }

/** The 503's structured cause, its upstream detail as `message`. */
function expectUnavailable(result: Outcome, retryAfter?: string): { message: string; cause: Record<string, unknown> } {
  expect(result).toMatchObject({ ok: false, ...UNAVAILABLE })
  if (result.ok) throw new Error('unreachable')
  expect(result.error.headers).toEqual({ 'retry-after': retryAfter ?? expect.stringMatching(/^[1-9]\d*$/), 'cache-control': 'no-store' })
  const json = JSON.stringify(result.error.toJSON())
  expect(json).not.toMatch(/127\.0\.0\.1|secret-upstream-detail|srv\/keys|HTTP status|JSON|bytes/)
  const cause = result.error.cause as Record<string, unknown>
  expect(['keys_unavailable', 'discovery_issuer_mismatch', 'discovery_jwks_uri_refused']).toContain(cause.reason)
  return { message: cause.detail as string, cause }
}

/** Lets a background refresh (stale-while-revalidate) finish. */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 50))

describe('JWKS faults', () => {
  it('down at start: 503 with Retry-After, backing off (1 s, 2 s) instead of hammering, then recovery', async () => {
    const as = await issuer()
    const { guard, advance } = setup(as)
    const token = await as.sign()
    as.fail('down')
    expectUnavailable(await outcome(guard.authenticate(bearer(token))), '1')
    expect(as.requests.jwks).toBe(1)
    // Inside the back-off: no new request, and the client is told how long to wait.
    expectUnavailable(await outcome(guard.authenticate(bearer(token))), '1')
    expect(as.requests.jwks).toBe(1)
    advance(1_000)
    expectUnavailable(await outcome(guard.authenticate(bearer(token))), '2')
    expect(as.requests.jwks).toBe(2)
    as.fail('ok')
    advance(1_999)
    expectUnavailable(await outcome(guard.authenticate(bearer(token))), '1')
    expect(as.requests.jwks).toBe(2)
    advance(1)
    expectVerdict(await outcome(guard.authenticate(bearer(token))), 'accept')
    expect(as.requests.jwks).toBe(3)
  })

  it('down after the keys were cached: stale-if-error keeps serving, then 503 after the bound', async () => {
    const as = await issuer()
    const { guard, advance } = setup(as, { cacheMaxAge: 1_000, staleIfErrorDuration: 5_000, tokenCache: false })
    const token = await as.sign()
    expectVerdict(await outcome(guard.authenticate(bearer(token))), 'accept')
    as.fail('down')
    advance(2_000) // stale: served, one background refresh fails
    expectVerdict(await outcome(guard.authenticate(bearer(token))), 'accept')
    // The background refresh is counted when it reaches the server; on a loaded machine that can take a while.
    await vi.waitFor(() => expect(as.requests.jwks).toBe(2))
    advance(3_900) // 5.9 s after the fetch: still inside max age + stale-if-error
    expectVerdict(await outcome(guard.authenticate(bearer(token))), 'accept')
    await settle()
    advance(200) // 6.1 s: past the bound
    expectUnavailable(await outcome(guard.authenticate(bearer(token))))
    const fetched = as.requests.jwks
    as.fail('ok')
    advance(60_000)
    expectVerdict(await outcome(guard.authenticate(bearer(token))), 'accept')
    expect(as.requests.jwks).toBe(fetched + 1)
  })

  it('hanging: answers 503 once the timeout expires, not when the server gives up', async () => {
    const as = await issuer()
    const { guard } = setup(as, { timeoutDuration: 300 })
    as.fail('hang')
    const started = performance.now()
    const cause = expectUnavailable(await outcome(guard.authenticate(bearer(await as.sign()))))
    const elapsed = performance.now() - started
    expect(cause.message).toBe('timed out after 300 ms')
    // A loose upper bound: the point is "bounded by the timeout", not a speed target.
    expect(elapsed).toBeGreaterThanOrEqual(250)
    expect(elapsed).toBeLessThan(5_000)
  })

  it('a body that trickles in is bounded by the same timeout', async () => {
    const as = await issuer()
    const { guard } = setup(as, { timeoutDuration: 300 })
    as.fail('slow', { delayMs: 2_000 })
    const cause = expectUnavailable(await outcome(guard.authenticate(bearer(await as.sign()))))
    expect(cause.message).toBe('timed out after 300 ms')
  })

  it.each([
    ['http-500', 'unexpected HTTP status 500'],
    ['http-404', 'unexpected HTTP status 404'],
    ['invalid-json', 'response is not JSON'],
    ['empty-keys', 'JWKS has no usable signing key'],
  ] as const)('%s: 503, the upstream detail stays server-side', async (mode, reason) => {
    const as = await issuer()
    const { guard } = setup(as)
    as.fail(mode)
    const cause = expectUnavailable(await outcome(guard.authenticate(bearer(await as.sign()))))
    expect(cause.message).toBe(reason)
  })

  it('a far oversized body is cut off while reading; memory stays flat over repeated attempts', async () => {
    const as = await issuer()
    const { guard, advance } = setup(as, { maxResponseSize: 64 * 1024, timeoutDuration: 5_000 })
    as.fail('oversized')
    const token = await as.sign()
    const attempts = 25
    const before = process.memoryUsage().rss
    for (let i = 0; i < attempts; i++) {
      const cause = expectUnavailable(await outcome(guard.authenticate(bearer(token))))
      expect(cause.message).toBe('response larger than 65536 bytes')
      advance(60_000) // past any back-off
    }
    const growthMb = (process.memoryUsage().rss - before) / 2 ** 20
    console.info(`[figures] oversized JWKS: ${attempts} attempts, RSS growth ${growthMb.toFixed(1)} MB`)
    expect(as.requests.jwks).toBe(attempts)
    // Each endless body is cut at 64 KiB: 25 attempts must not cost anything near what buffering would.
    expect(growthMb).toBeLessThan(48)
  })

  it('a redirect to another host is not followed, unless followRedirects is set', async () => {
    const as = await issuer()
    const elsewhere = await issuer()
    as.fail('redirect', { location: elsewhere.jwksUri })
    const token = await elsewhere.sign({ iss: as.issuer, aud: as.audience })
    const refused = setup(as).guard
    expect(expectUnavailable(await outcome(refused.authenticate(bearer(token)))).message).toBe('unexpected HTTP status 302')
    expect(elsewhere.requests.total).toBe(0)
    const following = setup(as, { followRedirects: true }).guard
    expectVerdict(await outcome(following.authenticate(bearer(token))), 'accept')
    expect(elsewhere.requests.jwks).toBe(1)
  })

  it('rotation: a new kid is found with exactly one refetch, shared by concurrent requests', async () => {
    const as = await issuer()
    const { guard, advance } = setup(as)
    expectVerdict(await outcome(guard.authenticate(bearer(await as.sign()))), 'accept')
    const kid = await as.rotate()
    const tokens = await Promise.all(Array.from({ length: 20 }, (_, i) => as.sign({ sub: `c${i}` }, { kid })))
    advance(30_000) // the cooldown since the last fetch has passed
    const results = await Promise.all(tokens.map((t) => outcome(guard.authenticate(bearer(t)))))
    for (const result of results) expectVerdict(result, 'accept')
    expect(as.requests.jwks).toBe(2)
    expectVerdict(await outcome(guard.authenticate(bearer(await as.sign({}, { kid })))), 'accept')
    expect(as.requests.jwks).toBe(2)
  })

  it('removal: tokens of a removed key are rejected after the refresh, cached verifications dropped', async () => {
    const as = await issuer()
    const { guard } = setup(as)
    const old = as.kids[0] as string
    await as.rotate()
    const token = await as.sign({}, { kid: old })
    // Twice: the verified-token cache admits a token on its second verification.
    expectVerdict(await outcome(guard.authenticate(bearer(token))), 'accept')
    expectVerdict(await outcome(guard.authenticate(bearer(token))), 'accept')
    expect(guard.cacheSize).toBe(1)
    as.removeKey(old)
    await guard.reload()
    expectVerdict(await outcome(guard.authenticate(bearer(token))), {
      status: 401,
      code: 'invalid_token',
      description: 'unknown signing key',
    })
    expect(guard.cacheSize).toBe(0)
    expectVerdict(await outcome(guard.authenticate(bearer(await as.sign({}, { kid: old })))), {
      status: 401,
      code: 'invalid_token',
      description: 'unknown signing key',
    })
  })

  it('regression: cached-verification-outlives-key-removal — a removed key stops verifying cached tokens once the JWKS max age has passed, even when every request is a cache hit', async () => {
    const as = await issuer()
    const { guard, advance } = setup(as, { cacheMaxAge: 60_000 })
    const old = as.kids[0] as string
    await as.rotate()
    const token = await as.sign({}, { kid: old })
    // Twice, so the token is in the verified-token cache (admitted on its second verification).
    expectVerdict(await outcome(guard.authenticate(bearer(token))), 'accept')
    expectVerdict(await outcome(guard.authenticate(bearer(token))), 'accept')
    expect(guard.cacheSize).toBe(1)
    as.removeKey(old)
    advance(61_000)
    // Served once more while the refresh runs in the background (stale-while-revalidate)...
    expectVerdict(await outcome(guard.authenticate(bearer(token))), 'accept')
    // The background refresh is counted when it reaches the server; on a loaded machine that can take a while.
    await vi.waitFor(() => expect(as.requests.jwks).toBe(2))
    // ...and refused as soon as the refreshed set no longer lists the key.
    expectVerdict(await outcome(guard.authenticate(bearer(token))), {
      status: 401,
      code: 'invalid_token',
      description: 'unknown signing key',
    })
  })

  it('a kid seen before it is published is accepted once it appears, after one cooldown (no long negative caching)', async () => {
    const as = await issuer()
    const { guard, advance } = setup(as, { cooldownDuration: 30_000 })
    const kid = await as.rotate({ publish: false })
    const token = await as.sign({}, { kid })
    const unknown = { status: 401, code: 'invalid_token', description: 'unknown signing key' } as const
    expectVerdict(await outcome(guard.authenticate(bearer(token))), unknown)
    expect(as.requests.jwks).toBe(1)
    as.publish(kid)
    advance(29_999)
    expectVerdict(await outcome(guard.authenticate(bearer(token))), unknown)
    expect(as.requests.jwks).toBe(1)
    advance(1)
    expectVerdict(await outcome(guard.authenticate(bearer(token))), 'accept')
    expect(as.requests.jwks).toBe(2)
  })
})

describe('discovery faults', () => {
  const discoveryGuard = (as: TestIssuer): Guard => createGuard({ issuer: as.issuer, audience: as.audience })

  it.each(['down', 'http-500', 'invalid-json', 'hang'] as const)('metadata endpoint %s: 503, no JWKS request', async (mode) => {
    const as = await issuer()
    as.fail(mode, { discovery: true })
    const guard = createGuard({ issuer: as.issuer, audience: as.audience, timeoutDuration: 300 })
    expectUnavailable(await outcome(guard.authenticate(bearer(await as.sign()))))
    expect(as.requests.jwks).toBe(0)
    expect(as.requests.discovery).toBeGreaterThanOrEqual(1)
  })

  it('metadata naming another issuer is not used (RFC 8414 §3.3): 503, no JWKS request', async () => {
    const as = await issuer()
    as.setMetadataIssuer('https://impostor.example')
    const cause = expectUnavailable(await outcome(discoveryGuard(as).authenticate(bearer(await as.sign()))))
    expect(cause.message).toBe('metadata issuer does not match the configured issuer')
    // Both values, and that it is configuration (retrying will not heal it), for the operator's log.
    expect(cause.cause).toMatchObject({
      reason: 'discovery_issuer_mismatch',
      configuration: true,
      expected: as.issuer,
      actual: 'https://impostor.example',
      url: expect.stringContaining('/.well-known/'),
    })
    expect(as.requests.jwks).toBe(0)
  })
})

describe('JWKS faults through the adapters: the upstream error body never reaches the client', () => {
  it.each(ADAPTERS)('%s', async (name) => {
    const as = await issuer()
    const server = await startServer(name, { issuer: as.issuer, audience: as.audience, jwksUri: as.jwksUri })
    try {
      const token = await as.sign()
      for (const mode of ['http-500', 'down', 'invalid-json'] as const) {
        as.fail(mode)
        const response = await rawRequest(server.port, { path: '/resource', lines: [`Authorization: Bearer ${token}`] })
        expect(response.status).toBe(503)
        expect(response.headers['retry-after']).toMatch(/^[1-9]\d*$/)
        expect(response.headers['cache-control']).toBe('no-store')
        expect(response.headers['www-authenticate']).toBeUndefined()
        expect(leaks(response, [as.origin, as.jwksUri, 'internal error'])).toEqual([])
      }
    } finally {
      await server.close()
    }
  })
})
