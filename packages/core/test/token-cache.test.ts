/**
 * The verified-token cache: a repeated token skips parsing, key lookup and the signature check, while
 * time-based checks still run on every hit, and entries die with their key.
 */
import { createGuard, type GuardOptions } from '@bearer-guard/core'
import { createTestIssuer, type TestIssuer } from '@bearer-guard/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { cached, expectInvalidToken, expectUnavailable, type FakeClock, fakeClock, signWith } from './helpers.js'

const open: TestIssuer[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((issuer) => issuer.close()))
})

async function setup(
  extra: Partial<GuardOptions> = {},
): Promise<{ as: TestIssuer; time: FakeClock; guard: ReturnType<typeof createGuard> }> {
  const as = await createTestIssuer({ alg: 'ES256' })
  open.push(as)
  const time = fakeClock()
  const guard = createGuard({ issuer: as.issuer, audience: as.audience, jwksUri: as.jwksUri, clock: time.clock, ...extra })
  return { as, time, guard }
}

describe('verified-token cache', () => {
  it('a token is admitted on its second verification, then repeated requests are hits (same AuthInfo)', async () => {
    const { as, guard } = await setup()
    const token = await as.sign()
    const first = await guard.verify(token)
    expect(guard.cacheSize).toBe(0)
    const second = await guard.verify(token)
    expect(second).not.toBe(first)
    expect(guard.cacheSize).toBe(1)
    expect(await guard.verify(token)).toBe(second)
    expect(await guard.verify(token)).toBe(second)
    expect(guard.cacheSize).toBe(1)
  })

  it('a stream of distinct tokens is never retained (doorkeeper), so it pays no cache upkeep', async () => {
    const { as, guard } = await setup()
    for (let i = 0; i < 20; i++) await guard.verify(await as.sign())
    expect(guard.cacheSize).toBe(0)
  })

  it('a hit needs no key work while the key set is usable, even with the JWKS down (stale-if-error)', async () => {
    const { as, time, guard } = await setup({ cacheMaxAge: 60_000, staleIfErrorDuration: 60_000 })
    const token = await as.sign({}, { expiresIn: 86_400 })
    const first = await cached(guard, token)
    as.fail('down')
    time.advance(90_000)
    // Same frozen AuthInfo object: nothing was parsed or verified again.
    expect(await guard.verify(token)).toBe(first)
  })

  it('a cache hit past the stale-if-error bound is re-verified: 503 like any other token, not a pass', async () => {
    const { as, time, guard } = await setup({ cacheMaxAge: 60_000, staleIfErrorDuration: 60_000 })
    const token = await as.sign({}, { expiresIn: 86_400 })
    await cached(guard, token)
    as.fail('down')
    time.advance(120_001)
    await expectUnavailable(guard.verify(token))
    expect(guard.cacheSize).toBe(0)
    // Back up: the same token verifies again and is cached again.
    as.fail('ok')
    time.advance(60_000)
    await expect(cached(guard, token)).resolves.toMatchObject({ token })
    expect(guard.cacheSize).toBe(1)
  })

  it('exp is still enforced on a hit, and the entry is dropped', async () => {
    const { as, time, guard } = await setup()
    const token = await as.sign({ exp: time.seconds() + 60 })
    const auth = await cached(guard, token)
    time.advance(64_000)
    expect(await guard.verify(token)).toBe(auth)
    time.advance(1_000)
    await expectInvalidToken(guard.verify(token), 'token expired')
    expect(guard.cacheSize).toBe(0)
  })

  it('maxTokenAge is still enforced on a hit', async () => {
    const { as, time, guard } = await setup({ maxTokenAge: 60 })
    const token = await as.sign({ iat: time.seconds() })
    await cached(guard, token)
    time.advance(65_000)
    await expect(guard.verify(token)).resolves.toBeDefined()
    time.advance(1_000)
    await expectInvalidToken(guard.verify(token), 'token too old')
    expect(guard.cacheSize).toBe(0)
  })

  it('entries whose key leaves the JWKS are dropped on the next refresh', async () => {
    const { as, guard } = await setup()
    const token = await as.sign()
    await cached(guard, token)
    await as.rotate({ keepPrevious: false })
    await guard.reload()
    await expectInvalidToken(guard.verify(token), 'unknown signing key')
    expect(guard.cacheSize).toBe(0)
  })

  it('entries whose key is still listed survive a refresh', async () => {
    const { as, guard } = await setup()
    const token = await as.sign()
    const auth = await cached(guard, token)
    await as.rotate()
    await guard.reload()
    await guard.reload()
    expect(await guard.verify(token)).toBe(auth)
  })

  it('entries are dropped when their key is republished as unusable (key_ops without verify)', async () => {
    const { as, guard } = await setup()
    const kid = as.kids[0] as string
    const token = await as.sign()
    await cached(guard, token)
    const jwk = as.publicJwk(kid)
    await as.rotate({ keepPrevious: false })
    as.setExtraKeys([{ ...jwk, key_ops: ['encrypt'] }])
    await guard.reload()
    await expectInvalidToken(guard.verify(token), 'unknown signing key')
    await expectInvalidToken(guard.verify(await as.sign({}, { kid })), 'unknown signing key')
  })

  it('is an LRU bounded by maxEntries', async () => {
    const { as, guard } = await setup({ tokenCache: { maxEntries: 2 } })
    const [t1, t2, t3] = await Promise.all([as.sign(), as.sign(), as.sign()])
    const a1 = await cached(guard, t1 as string)
    const a2 = await cached(guard, t2 as string)
    expect(await guard.verify(t1 as string)).toBe(a1) // t1 is now the most recent
    await cached(guard, t3 as string) // evicts t2, the least recent
    expect(guard.cacheSize).toBe(2)
    expect(await guard.verify(t1 as string)).toBe(a1)
    // Evicted: verified again in full (and, being new to the doorkeeper, not re-admitted yet).
    expect(await guard.verify(t2 as string)).not.toBe(a2)
    expect(guard.cacheSize).toBe(2)
  })

  it('can be turned off', async () => {
    const { as, guard } = await setup({ tokenCache: false })
    const token = await as.sign()
    const first = await guard.verify(token)
    expect(await guard.verify(token)).not.toBe(first)
    expect(await guard.verify(token)).toEqual(first)
    expect(guard.cacheSize).toBe(0)
  })

  it('failed verifications are not cached', async () => {
    const { as, guard } = await setup()
    const token = await as.sign()
    await expectInvalidToken(guard.verify(`${token.slice(0, -4)}AAAA`), 'invalid signature')
    await expectInvalidToken(guard.verify(await as.sign({ aud: 'https://other.example' })), 'unexpected audience')
    expect(guard.cacheSize).toBe(0)
  })

  it('works with a shared secret, where no key can leave', async () => {
    const secret = new Uint8Array(32).fill(7)
    const time = fakeClock()
    const guard = createGuard({ issuer: 'https://as.example/', audience: 'https://api.example', secret, clock: time.clock })
    const now = time.seconds()
    const token = await signWith(secret, { alg: 'HS256' }, { iss: 'https://as.example/', aud: 'https://api.example', exp: now + 60 })
    const auth = await cached(guard, token)
    expect(await guard.verify(token)).toBe(auth)
    time.advance(65_000)
    await expectInvalidToken(guard.verify(token), 'token expired')
  })
})
