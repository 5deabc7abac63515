/**
 * JWKS request counts under load: a cold start of 1,000 concurrent requests makes exactly one fetch (core,
 * discovery and each adapter over HTTP), and 10,000 requests with random `kid`s make at most one fetch per
 * cooldown. Time in the flood is the guard's injected clock, so the bound is exact, not a timing guess.
 */
import { randomUUID } from 'node:crypto'
import { createGuard } from '@bearer-guard/core'
import { createTestIssuer, type TestIssuer } from '@bearer-guard/testing'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { ADAPTERS, startServer } from '../security/support/servers.js'
import { bearer, outcome } from '../security/support/world.js'
import { httpClient, minter } from './support.js'

const issuers: TestIssuer[] = []
const figures: string[] = []
afterEach(async () => {
  await Promise.all(issuers.splice(0).map((i) => i.close()))
})
afterAll(() => {
  console.info(`[figures] ${figures.join('; ')}`)
})

async function issuer(): Promise<TestIssuer> {
  const created = await createTestIssuer({ alg: 'ES256' })
  issuers.push(created)
  return created
}

const COLD = 1_000
const FLOOD = 10_000

describe('cold start', () => {
  it(`${COLD} concurrent requests with distinct valid tokens: exactly one JWKS fetch (jwksUri)`, async () => {
    const as = await issuer()
    const mint = minter(as)
    const guard = createGuard({ issuer: as.issuer, audience: as.audience, jwksUri: as.jwksUri })
    const results = await Promise.all(Array.from({ length: COLD }, (_, i) => outcome(guard.authenticate(bearer(mint.mint(i))))))
    expect(results.filter((r) => !r.ok)).toEqual([])
    expect(as.requests.jwks).toBe(1)
    figures.push(`cold start core: ${COLD} requests, ${as.requests.jwks} JWKS fetch`)
  })

  it(`${COLD} concurrent requests through discovery: one metadata request, one JWKS fetch`, async () => {
    const as = await issuer()
    const mint = minter(as)
    const guard = createGuard({ issuer: as.issuer, audience: as.audience })
    const results = await Promise.all(Array.from({ length: COLD }, (_, i) => outcome(guard.authenticate(bearer(mint.mint(i))))))
    expect(results.filter((r) => !r.ok)).toEqual([])
    expect(as.requests).toEqual({ jwks: 1, discovery: 1, total: 2 })
  })

  it.each(ADAPTERS)(`%s: ${COLD} concurrent HTTP requests, exactly one JWKS fetch`, async (name) => {
    const as = await issuer()
    const mint = minter(as)
    const tokens = Array.from({ length: COLD }, (_, i) => mint.mint(i))
    const server = await startServer(name, { issuer: as.issuer, audience: as.audience, jwksUri: as.jwksUri })
    const client = httpClient(server.port, COLD)
    try {
      const results = await Promise.all(tokens.map((t) => client.get('/resource', t)))
      expect(results.filter((r) => r.status !== 200)).toEqual([])
      expect(as.requests.jwks).toBe(1)
      figures.push(`cold start ${name}: ${COLD} HTTP requests, ${as.requests.jwks} JWKS fetch`)
    } finally {
      client.close()
      await server.close()
    }
  })
})

describe('unknown-kid flood', () => {
  it(`${FLOOD} concurrent random kids on a cold guard: one fetch (the initial one), every request 401`, async () => {
    const as = await issuer()
    const mint = minter(as)
    const [, p, s] = mint.mint(0).split('.') as [string, string, string]
    const guard = createGuard({ issuer: as.issuer, audience: as.audience, jwksUri: as.jwksUri })
    const forged = (): string => `${Buffer.from(JSON.stringify({ alg: 'ES256', kid: randomUUID() })).toString('base64url')}.${p}.${s}`
    const results = await Promise.all(Array.from({ length: FLOOD }, () => outcome(guard.authenticate(bearer(forged())))))
    expect(results.filter((r) => r.ok || r.description !== 'unknown signing key')).toEqual([])
    expect(as.requests.jwks).toBe(1)
  })

  it(`${FLOOD} random kids over 1 s (simulated) with a 100 ms cooldown: at most one fetch per cooldown`, async () => {
    const as = await issuer()
    const mint = minter(as)
    const [, p, s] = mint.mint(0).split('.') as [string, string, string]
    let now = Date.now()
    const cooldown = 100
    const guard = createGuard({
      issuer: as.issuer,
      audience: as.audience,
      jwksUri: as.jwksUri,
      cooldownDuration: cooldown,
      clock: () => now,
    })
    await guard.verify(mint.mint(1))
    as.resetCounts()
    const forged = (): string => `${Buffer.from(JSON.stringify({ alg: 'ES256', kid: randomUUID() })).toString('base64url')}.${p}.${s}`
    const waves = 100
    const perWave = FLOOD / waves
    const step = 10 // ms of simulated time per wave: 1,000 ms in all
    let refused = 0
    for (let wave = 0; wave < waves; wave++) {
      now += step
      const results = await Promise.all(Array.from({ length: perWave }, () => outcome(guard.authenticate(bearer(forged())))))
      refused += results.filter((r) => !r.ok && r.description === 'unknown signing key').length
    }
    const allowed = Math.floor((waves * step) / cooldown)
    expect(refused).toBe(FLOOD)
    expect(as.requests.jwks).toBeLessThanOrEqual(allowed)
    // The cooldown does expire: refetches happen, so a key published later is found (no long negative cache).
    expect(as.requests.jwks).toBeGreaterThanOrEqual(allowed - 1)
    figures.push(`unknown-kid flood: ${FLOOD} requests over ${waves * step} ms, cooldown ${cooldown} ms, ${as.requests.jwks} JWKS fetches`)
  })

  const FLOOD_HTTP = 500
  it.each(ADAPTERS)(`%s: ${FLOOD_HTTP} random-kid HTTP requests, one JWKS fetch`, async (name) => {
    const as = await issuer()
    const mint = minter(as)
    const [, p, s] = mint.mint(0).split('.') as [string, string, string]
    const server = await startServer(name, { issuer: as.issuer, audience: as.audience, jwksUri: as.jwksUri })
    const client = httpClient(server.port, 100)
    try {
      const forged = (): string => `${Buffer.from(JSON.stringify({ alg: 'ES256', kid: randomUUID() })).toString('base64url')}.${p}.${s}`
      const results = await Promise.all(Array.from({ length: FLOOD_HTTP }, () => client.get('/resource', forged())))
      expect(results.filter((r) => r.status !== 401 || !r.challenge?.includes('unknown signing key'))).toEqual([])
      expect(as.requests.jwks).toBe(1)
    } finally {
      client.close()
      await server.close()
    }
  })
})
