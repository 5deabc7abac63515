/**
 * The attack corpus against the core guard. Every token case runs twice: on a cold guard of its own
 * (proving how many JWKS requests it may cause: none when it is refused before key lookup) and on a warm,
 * shared guard (no JWKS request at all). The attacker's server must never be contacted.
 */
import { createGuard, type Guard } from '@bearer-guard/core'
import { createTestIssuer } from '@bearer-guard/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { buildTokenCorpus, buildTransportCorpus, PROFILES, type Profile } from './corpus.js'
import { expectVerdict } from './support/verdict.js'
import { bearer, createWorld, outcome } from './support/world.js'

const world = await createWorld()
const corpus = buildTokenCorpus(world)
const transport = buildTransportCorpus(world)

afterAll(async () => {
  const groups: Record<string, number> = {}
  for (const c of corpus) groups[c.group] = (groups[c.group] ?? 0) + 1
  console.info(`[figures] token corpus: ${corpus.length} cases ${JSON.stringify(groups)}; transport corpus: ${transport.length} cases`)
  await world.close()
})

describe('token corpus, cold guard per case', () => {
  it.each(corpus.map((c) => [`${c.group}: ${c.id}`, c] as const))('%s', async (_name, c) => {
    const guard = createGuard(world.options(PROFILES[c.profile]))
    world.issuer.resetCounts()
    expectVerdict(await outcome(guard.authenticate(bearer(c.token))), c.expect, c.token)
    expect(world.issuer.requests.jwks).toBe(c.fetches)
    expect(world.issuer.requests.discovery).toBe(0)
    expect(world.attacker.requests.total).toBe(0)
  })
})

describe('token corpus, warm guard', () => {
  const guards = new Map<Profile, Guard>()
  const warm = async (profile: Profile): Promise<Guard> => {
    let guard = guards.get(profile)
    if (guard === undefined) {
      guard = createGuard(world.options(PROFILES[profile]))
      await guard.verify(world.token())
      guards.set(profile, guard)
    }
    return guard
  }
  it.each(corpus.map((c) => [`${c.group}: ${c.id}`, c] as const))('%s', async (_name, c) => {
    const guard = await warm(c.profile)
    world.issuer.resetCounts()
    expectVerdict(await outcome(guard.authenticate(bearer(c.token))), c.expect, c.token)
    // A second presentation: a cached acceptance, or the same refusal (nothing negative is cached).
    expectVerdict(await outcome(guard.authenticate(bearer(c.token))), c.expect, c.token)
    expect(world.issuer.requests.total).toBe(0)
    expect(world.attacker.requests.total).toBe(0)
  })
})

describe('token corpus, discovery mode (per-issuer key sets), cold guard per case', () => {
  it.each(corpus.map((c) => [`${c.group}: ${c.id}`, c] as const))('%s', async (_name, c) => {
    const guard = createGuard({ ...world.options(PROFILES[c.profile]), jwksUri: undefined })
    world.issuer.resetCounts()
    expectVerdict(await outcome(guard.authenticate(bearer(c.token))), c.expect, c.token)
    // Refused before key lookup: no metadata or JWKS request. Otherwise at most one of each.
    if (c.fetches === 0) expect(world.issuer.requests.total).toBe(0)
    else expect(world.issuer.requests.jwks).toBeLessThanOrEqual(1)
    expect(world.attacker.requests.total).toBe(0)
  })
})

describe('transport corpus (RFC 6750 §2, §3.1)', () => {
  it.each(transport.map((c) => [c.id, c] as const))('%s', async (_name, c) => {
    const guard = createGuard(world.options(c.profile))
    world.issuer.resetCounts()
    expectVerdict(await outcome(guard.authenticate(c.request)), c.expect)
    expect(world.issuer.requests.jwks).toBe(c.expect === 'accept' ? 1 : 0)
  })
})

describe('the attacker', () => {
  it('was never contacted, whatever the tokens named (jku, x5u, kid URLs)', () => {
    expect(world.attacker.requests.total).toBe(0)
  })
})

describe('issuer and key binding with discovery (RFC 8725 §3.8)', () => {
  it("a token claiming issuer A but signed with issuer B's published key is refused, and B is never asked", async () => {
    const a = await createTestIssuer({ alg: 'ES256' })
    const b = await createTestIssuer({ alg: 'ES256' })
    try {
      const guard = createGuard({ issuer: [a.issuer, b.issuer], audience: a.audience })
      const confused = await b.sign({ iss: a.issuer, aud: a.audience })
      expectVerdict(await outcome(guard.authenticate(bearer(confused))), {
        status: 401,
        code: 'invalid_token',
        description: 'unknown signing key',
      })
      expect(a.requests.jwks).toBe(1)
      expect(b.requests.total).toBe(0)
      // Control: B's own token is verified with B's keys.
      expectVerdict(await outcome(guard.authenticate(bearer(await b.sign({ aud: a.audience })))), 'accept')
      expect(b.requests.jwks).toBe(1)
    } finally {
      await Promise.all([a.close(), b.close()])
    }
  })
})
