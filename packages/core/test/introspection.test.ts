/**
 * Opaque tokens by introspection (RFC 7662) against the test issuer's real introspection endpoint on
 * 127.0.0.1: the result becomes the same AuthInfo, the same claim rules apply, results are cached by hash
 * and never past exp or the ceiling, one call per token however many requests wait, a call budget under
 * a junk flood, 503 on outages, and the client secret never in an error.
 */
import { randomBytes } from 'node:crypto'
import dc from 'node:diagnostics_channel'
import { inspect } from 'node:util'
import { channels, createGuard, type GuardOptions, type IntrospectionRecord, MemoryIntrospectionCache } from '@bearer-guard/core'
import { createTestIssuer, type TestIssuer } from '@bearer-guard/testing'
import { generateKeyPair } from 'jose'
import { afterAll, describe, expect, it } from 'vitest'

const SECRET = 'resource-server-secret'
const as = await createTestIssuer()
afterAll(() => as.close())

function guardFor(
  issuer: TestIssuer,
  introspection: Partial<NonNullable<GuardOptions['introspection']>> = {},
  extra: Partial<GuardOptions> = {},
) {
  return createGuard({
    issuer: issuer.issuer,
    audience: issuer.audience,
    jwksUri: issuer.jwksUri,
    ...extra,
    introspection: { endpoint: issuer.introspectionEndpoint, clientId: 'resource-server', clientSecret: SECRET, ...introspection },
  } as GuardOptions)
}

async function refusal(promise: Promise<unknown>): Promise<{ status: number; description: string; cause: unknown; error: unknown }> {
  try {
    await promise
  } catch (error) {
    const e = error as { status: number; description: string; cause?: unknown }
    return { status: e.status, description: e.description, cause: e.cause, error }
  }
  throw new Error('expected a rejection')
}

describe('introspection: the response becomes AuthInfo under the same rules', () => {
  const guard = guardFor(as)

  it('an active opaque token yields clientId, subject, scopes, expiresAt and the response as claims', async () => {
    const token = as.issueOpaque({ client_id: 'reports-cron', sub: 'reports-cron' }, { scope: 'read:data write:data' })
    const auth = await guard.verify(token)
    expect(auth).toMatchObject({ token, clientId: 'reports-cron', subject: 'reports-cron', scopes: ['read:data', 'write:data'] })
    expect(auth.header).toEqual({ alg: 'introspection' })
    expect(auth.claims.active).toBeUndefined()
    expect(auth.claims.iss).toBe(as.issuer)
    expect(typeof auth.expiresAt).toBe('number')
    expect(Object.isFrozen(auth) && Object.isFrozen(auth.claims)).toBe(true)
  })

  it('active:false (unknown, revoked) is 401 invalid_token', async () => {
    expect(await refusal(guard.verify(randomBytes(32).toString('base64url')))).toMatchObject({
      status: 401,
      description: 'token not active',
    })
    const token = as.issueOpaque()
    as.revoke(token)
    expect(await refusal(guard.verify(token))).toMatchObject({ status: 401, description: 'token not active' })
  })

  it('issuer, audience, time and required claims are checked on the response', async () => {
    expect(await refusal(guard.verify(as.issueOpaque({ aud: 'https://other.example' })))).toMatchObject({
      description: 'unexpected audience',
    })
    expect(await refusal(guard.verify(as.issueOpaque({ iss: 'https://evil.example' })))).toMatchObject({ description: 'unexpected issuer' })
    expect(await refusal(guard.verify(as.issueOpaque({ exp: undefined })))).toMatchObject({ description: 'missing required claim: exp' })
    // The endpoint itself says inactive once expired; a clock skewed past exp refuses locally too.
    const skewed = guardFor(as, {}, { clock: () => Date.now() + 7200_000 })
    expect(await refusal(skewed.verify(as.issueOpaque()))).toMatchObject({ description: 'token expired' })
  })

  it('a response without iss is the one configured issuer’s', async () => {
    await expect(guard.verify(as.issueOpaque({ iss: undefined }))).resolves.toMatchObject({ clientId: 'test-client' })
  })

  it('DPoP-bound opaque tokens (token_type DPoP or cnf.jkt) are refused with a cause, until DPoP lands', async () => {
    const dpop = await refusal(guard.verify(as.issueOpaque({ token_type: 'DPoP' })))
    expect(dpop).toMatchObject({ status: 401, description: 'sender-constrained token sent as bearer' })
    expect(dpop.cause).toMatchObject({ reason: 'sender_constrained_token', methods: ['jkt'] })
    expect(await refusal(guard.verify(as.issueOpaque({ cnf: { jkt: 'x'.repeat(43) } })))).toMatchObject({
      description: 'sender-constrained token sent as bearer',
    })
  })

  it('route scopes use the response scope string; validate runs on introspected tokens', async () => {
    const check = guard.scopeCheck(['write:data'])
    const auth = await guard.verify(as.issueOpaque({}, { scope: 'read:data' }))
    expect(() => check(auth)).toThrow(expect.objectContaining({ status: 403 }))
    const picky = guardFor(as, {}, { validate: (a) => a.clientId === 'allowed' })
    expect(await refusal(picky.verify(as.issueOpaque()))).toMatchObject({ status: 401, description: 'token rejected' })
  })

  it('JWTs still verify locally in the default opaque mode; mode all introspects them too', async () => {
    as.resetCounts()
    const jwt = await as.sign({ scope: 'read:data' })
    await expect(guard.verify(jwt)).resolves.toMatchObject({ scopes: ['read:data'] })
    expect(as.introspectionRequests).toBe(0)
    const all = guardFor(as, { mode: 'all' })
    // The test issuer never issued that JWT as an opaque token: its endpoint says inactive.
    expect(await refusal(all.verify(jwt))).toMatchObject({ description: 'token not active' })
    expect(as.introspectionRequests).toBe(1)
  })

  it('client authentication: basic (default), post, private_key_jwt', async () => {
    await guardFor(as).verify(as.issueOpaque())
    expect(as.lastIntrospectionAuth).toBe('client_secret_basic')
    await guardFor(as, { clientAuth: 'client_secret_post' }).verify(as.issueOpaque())
    expect(as.lastIntrospectionAuth).toBe('client_secret_post')
    const { privateKey, publicKey } = await generateKeyPair('ES256')
    const pkIssuer = await createTestIssuer({ introspectionClient: { clientId: 'rs-jwt', publicKey } })
    try {
      const g = guardFor(pkIssuer, {
        clientId: 'rs-jwt',
        clientSecret: undefined,
        clientAuth: 'private_key_jwt',
        privateKey: { key: privateKey, alg: 'ES256' },
      })
      await expect(g.verify(pkIssuer.issueOpaque())).resolves.toBeTruthy()
      expect(pkIssuer.lastIntrospectionAuth).toBe('private_key_jwt')
    } finally {
      await pkIssuer.close()
    }
  })

  it('discovers introspection_endpoint from the issuer metadata when no endpoint is given', async () => {
    const g = createGuard({
      issuer: as.issuer,
      audience: as.audience,
      introspection: { clientId: 'resource-server', clientSecret: SECRET },
    })
    await expect(g.verify(as.issueOpaque())).resolves.toMatchObject({ clientId: 'test-client' })
  })
})

describe('introspection: cache, coalescing, budget', () => {
  it('caches active results until the ceiling (revocation takes effect within it), never past exp', async () => {
    let now = Date.now()
    const guard = guardFor(as, { cacheTtlCeiling: 30_000 }, { clock: () => now })
    const token = as.issueOpaque()
    as.resetCounts()
    await guard.verify(token)
    await guard.verify(token)
    expect(as.introspectionRequests).toBe(1)
    as.revoke(token)
    now += 29_000
    await expect(guard.verify(token)).resolves.toBeTruthy()
    now += 1_001
    expect(await refusal(guard.verify(token))).toMatchObject({ description: 'token not active' })
    expect(as.introspectionRequests).toBe(2)
    // The guard's clock is now 30 s ahead: a token expiring in 40 s has 10 s left, so it is cached 10 s, not 30.
    const short = as.issueOpaque({}, { expiresIn: 40 })
    await guard.verify(short)
    now += 5_000
    await guard.verify(short)
    expect(as.introspectionRequests).toBe(3)
    // Past exp (and the 5 s clock tolerance): the entry is gone, the endpoint is asked again, exp refuses.
    now += 11_000
    expect(await refusal(guard.verify(short))).toMatchObject({ description: 'token expired' })
    expect(as.introspectionRequests).toBe(4)
  })

  it('the budget refills at callsPerSecond: a burst of that size, then one call per interval', async () => {
    let now = Date.now()
    const guard = guardFor(as, { callsPerSecond: 2, cacheTtlCeiling: 0 }, { clock: () => now })
    const token = as.issueOpaque()
    as.resetCounts()
    await guard.verify(token)
    await guard.verify(token)
    const over = await refusal(guard.verify(token))
    expect(over.status).toBe(503)
    expect(over.cause).toMatchObject({ reason: 'introspection_budget_exhausted', callsPerSecond: 2 })
    now += 500
    await expect(guard.verify(token)).resolves.toBeTruthy()
    expect((await refusal(guard.verify(token))).status).toBe(503)
    expect(as.introspectionRequests).toBe(3)
  })

  it('the built-in cache is bounded by cacheMaxEntries (oldest out first)', async () => {
    const guard = guardFor(as, { cacheMaxEntries: 2 })
    const [a, b, c] = [as.issueOpaque(), as.issueOpaque(), as.issueOpaque()]
    as.resetCounts()
    for (const token of [a, b, c, c, b]) await guard.verify(token as string)
    expect(as.introspectionRequests).toBe(3)
    await guard.verify(a as string)
    expect(as.introspectionRequests).toBe(4)
  })

  it('caches inactive results too: a replayed junk token costs one call', async () => {
    const guard = guardFor(as)
    const junk = randomBytes(32).toString('base64url')
    as.resetCounts()
    for (let i = 0; i < 5; i += 1) await refusal(guard.verify(junk))
    expect(as.introspectionRequests).toBe(1)
  })

  it('concurrent requests for one token coalesce into one introspection', async () => {
    const guard = guardFor(as)
    const token = as.issueOpaque()
    as.resetCounts()
    as.failIntrospection('slow', { delayMs: 100 })
    try {
      const results = await Promise.all(Array.from({ length: 25 }, () => guard.verify(token)))
      expect(results.every((auth) => auth.clientId === 'test-client')).toBe(true)
      expect(as.introspectionRequests).toBe(1)
    } finally {
      as.failIntrospection('ok')
    }
  })

  it('cache keys are SHA-256 hashes of tokens, never tokens; a custom cache plugs in', async () => {
    const keys: string[] = []
    const inner = new MemoryIntrospectionCache(100)
    const cache = {
      async get(key: string) {
        return inner.get(key)
      },
      async set(key: string, value: IntrospectionRecord, ttl: number) {
        keys.push(key)
        expect(ttl).toBeGreaterThan(0)
        expect(ttl).toBeLessThanOrEqual(60_000)
        inner.set(key, value, ttl)
      },
    }
    const guard = guardFor(as, { cache })
    const token = as.issueOpaque()
    await guard.verify(token)
    await guard.verify(token)
    expect(keys).toHaveLength(1)
    expect(keys[0]).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(keys[0]).not.toBe(token)
  })

  it('a flood of random tokens: cheap local refusal for what cannot be a token, a call budget for the rest', async () => {
    const guard = guardFor(as, { callsPerSecond: 20, tokenPattern: /^[A-Za-z0-9_-]{43}$/ })
    as.resetCounts()
    // Not the server's shape: refused without a call.
    const wrongShape = await Promise.all(Array.from({ length: 500 }, () => refusal(guard.verify(randomBytes(24).toString('hex')))))
    expect(wrongShape.every((r) => r.status === 401)).toBe(true)
    expect(as.introspectionRequests).toBe(0)
    // The right shape, all junk: 20 calls (the burst), the rest 503 Retry-After without a call.
    const started = Date.now()
    const flood = await Promise.all(Array.from({ length: 1000 }, () => refusal(guard.verify(randomBytes(32).toString('base64url')))))
    const seconds = (Date.now() - started) / 1000
    const calls = as.introspectionRequests
    expect(calls).toBeGreaterThanOrEqual(20)
    expect(calls).toBeLessThanOrEqual(20 + Math.ceil(seconds * 20))
    const busy = flood.filter((r) => r.status === 503)
    expect(busy.length).toBe(1000 - flood.filter((r) => r.status === 401).length)
    expect(busy.length).toBeGreaterThan(0)
    expect((busy[0] as { error: { headers: Record<string, string> } }).error.headers['retry-after']).toBe('1')
    console.info(
      `introspection flood: 1500 junk tokens sent (500 wrong shape, 1000 right shape), ${calls} introspection calls in ${seconds.toFixed(2)} s`,
    )
  })
})

describe('introspection: endpoint failures are 503 and never show the secret', () => {
  it.each(['down', 'http-500', 'invalid-json', 'oversized', 'empty-keys', 'redirect'] as const)('%s → 503 Retry-After', async (mode) => {
    const issuer = await createTestIssuer()
    try {
      issuer.failIntrospection(mode)
      const guard = guardFor(issuer, {}, { maxResponseSize: 4096 })
      const r = await refusal(guard.verify(issuer.issueOpaque()))
      expect(r.status).toBe(503)
      expect((r.error as { headers: Record<string, string> }).headers['retry-after']).toMatch(/^\d+$/)
      const everything = `${inspect(r.error, { depth: 10, showHidden: true })} ${JSON.stringify(r.error)} ${String(r.error)}`
      expect(everything).not.toContain(SECRET)
      expect(everything).not.toContain(Buffer.from(`resource-server:${SECRET}`).toString('base64'))
    } finally {
      await issuer.close()
    }
  })

  it('a hanging endpoint times out into 503; wrong credentials (401 invalid_client) are 503 too, secret-free', async () => {
    const issuer = await createTestIssuer()
    try {
      issuer.failIntrospection('hang')
      const r = await refusal(guardFor(issuer, {}, { timeoutDuration: 200 }).verify(issuer.issueOpaque()))
      expect(r.status).toBe(503)
      issuer.failIntrospection('ok')
      const wrong = await refusal(guardFor(issuer, { clientSecret: 'wrong-secret-value' }).verify(issuer.issueOpaque()))
      expect(wrong.status).toBe(503)
      expect(inspect(wrong.error, { depth: 10, showHidden: true })).not.toContain('wrong-secret-value')
    } finally {
      await issuer.close()
    }
  })

  it('after a failure, calls pause briefly (503 without a call), then resume', async () => {
    const issuer = await createTestIssuer()
    try {
      const guard = guardFor(issuer)
      issuer.failIntrospection('http-500')
      await refusal(guard.verify(issuer.issueOpaque()))
      issuer.failIntrospection('ok')
      issuer.resetCounts()
      expect((await refusal(guard.verify(issuer.issueOpaque()))).status).toBe(503)
      expect(issuer.introspectionRequests).toBe(0)
      await new Promise((resolve) => setTimeout(resolve, 1100))
      await expect(guard.verify(issuer.issueOpaque())).resolves.toBeTruthy()
    } finally {
      await issuer.close()
    }
  })
})

describe('introspection options fail loudly at startup', () => {
  const base = { issuer: as.issuer, audience: as.audience }
  it.each([
    [{ clientId: 'x' }, /clientSecret/],
    [{ clientId: 'x', clientSecret: 's', clientSecert: 's' }, /clientSecert" is not an introspection option/],
    [{ clientId: '', clientSecret: 's' }, /clientId/],
    [{ clientId: 'x', clientSecret: 's', clientAuth: 'basic' }, /clientAuth/],
    [{ clientId: 'x', clientAuth: 'private_key_jwt' }, /privateKey/],
    [{ clientId: 'x', clientSecret: 's', mode: 'jwt' }, /mode/],
    [{ clientId: 'x', clientSecret: 's', endpoint: 'http://example.com/introspect' }, /https/],
    [{ clientId: 'x', clientSecret: 's', callsPerSecond: 0 }, /callsPerSecond/],
    [{ clientId: 'x', clientSecret: 's', tokenPattern: '^a' }, /tokenPattern/],
    [{ clientId: 'x', clientSecret: 's', tokenPattern: /a/g }, /g or y flag/],
    [{ clientId: 'x', clientSecret: 's', cache: {} }, /cache/],
    ['yes', /must be an object/],
  ])('%o', (introspection, message) => {
    expect(() => createGuard({ ...base, introspection } as never)).toThrow(message)
  })

  it('discovery of the endpoint follows the URL policy', () => {
    expect(() =>
      createGuard({
        issuer: 'http://auth.example.com',
        audience: 'x',
        jwksUri: 'https://auth.example.com/jwks',
        introspection: { clientId: 'x', clientSecret: 's' },
      }),
    ).toThrow(/introspection_endpoint/)
  })

  it('several issuers need an explicit endpoint', () => {
    expect(() =>
      createGuard({ issuer: [as.issuer, 'https://b.example'], audience: 'x', introspection: { clientId: 'x', clientSecret: 's' } }),
    ).toThrow(/endpoint" is required with several issuers/)
  })
})

describe('introspection: diagnostics channels (issue 14) report calls, cache hits and failures', () => {
  it('start + success per call, success with cacheHit on a cached answer, failure on an outage; never the token or the secret', async () => {
    const issuer = await createTestIssuer()
    const seen: Array<[string, Record<string, unknown>]> = []
    const listeners = (['introspectionStart', 'introspectionSuccess', 'introspectionFailure'] as const).map((name) => {
      const listener = (message: unknown) => seen.push([name, message as Record<string, unknown>])
      dc.subscribe(channels[name], listener)
      return () => dc.unsubscribe(channels[name], listener)
    })
    try {
      const guard = guardFor(issuer)
      const token = issuer.issueOpaque()
      await guard.verify(token)
      await guard.verify(token)
      expect(seen.map(([name, m]) => [name, m.endpoint, m.active, m.cacheHit])).toEqual([
        ['introspectionStart', issuer.introspectionEndpoint, undefined, undefined],
        ['introspectionSuccess', issuer.introspectionEndpoint, true, false],
        ['introspectionSuccess', issuer.introspectionEndpoint, true, true],
      ])
      expect(issuer.introspectionRequests).toBe(1)
      seen.length = 0
      issuer.failIntrospection('http-500')
      expect((await refusal(guard.verify(issuer.issueOpaque()))).status).toBe(503)
      expect(seen.map(([name]) => name)).toEqual(['introspectionStart', 'introspectionFailure'])
      expect(typeof seen[1]?.[1].durationMs).toBe('number')
      const published = inspect(seen, { depth: 6 })
      expect(published).not.toContain(token)
      expect(published).not.toContain(SECRET)
    } finally {
      for (const off of listeners) off()
      await issuer.close()
    }
  })
})

it('an introspection outage says so to the client (not "authorization keys"), with a 503 and Retry-After', async () => {
  const issuer = await createTestIssuer()
  try {
    issuer.failIntrospection('http-500')
    const r = await refusal(guardFor(issuer).verify(issuer.issueOpaque()))
    expect(r).toMatchObject({ status: 503, description: 'token introspection temporarily unavailable' })
    expect((r.error as { headers: Record<string, string> }).headers['retry-after']).toMatch(/^\d+$/)
    expect(r.cause).toMatchObject({ reason: 'introspection_unavailable', url: issuer.introspectionEndpoint })
  } finally {
    await issuer.close()
  }
})
