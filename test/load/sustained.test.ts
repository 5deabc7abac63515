/**
 * A bounded sustained run through each adapter over loopback HTTP: mixed valid, expired, forged,
 * insufficient-scope, alg-none and token-less requests from a keep-alive pool, for LOAD_SECONDS per
 * adapter. Every response is checked against the decision it must be: zero wrong decisions, zero 5xx.
 * Throughput is reported, not asserted (speed targets belong in `pnpm bench`).
 */
import { createTestIssuer, type TestIssuer } from '@bearer-guard/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { b64u } from '../security/support/jws.js'
import { loadSeconds } from '../security/support/runs.js'
import { ADAPTERS, startServer } from '../security/support/servers.js'
import { type HttpResult, httpClient, minter } from './support.js'

interface Probe {
  readonly kind: string
  readonly path: string
  readonly token: string | undefined
  readonly status: number
  /** Substring the challenge must contain (its error code), or null for none / a bare challenge. */
  readonly challenge: string | null
}

let as: TestIssuer
const probes: Probe[] = []
const figures: string[] = []
const SOCKETS = 32

beforeAll(async () => {
  as = await createTestIssuer({ alg: 'ES256' })
  const mint = minter(as)
  const now = Math.floor(Date.now() / 1000)
  let n = 0
  // 400 distinct valid tokens: a mix of cache hits and first sightings.
  for (let i = 0; i < 400; i++) probes.push({ kind: 'valid', path: '/scoped', token: mint.mint(n++), status: 200, challenge: null })
  for (let i = 0; i < 100; i++) {
    probes.push({ kind: 'expired', path: '/resource', token: mint.mint(n++, { exp: now - 60 }), status: 401, challenge: 'invalid_token' })
    const [h, p, s] = mint.mint(n++).split('.') as [string, string, string]
    const sig = Buffer.from(s, 'base64url')
    sig[5] = (sig[5] as number) ^ 1
    probes.push({ kind: 'forged', path: '/resource', token: `${h}.${p}.${b64u(sig)}`, status: 401, challenge: 'invalid_token' })
    probes.push({
      kind: 'insufficient-scope',
      path: '/scoped',
      token: mint.mint(n++, { scope: 'read:data' }),
      status: 403,
      challenge: 'insufficient_scope',
    })
    probes.push({
      kind: 'alg-none',
      path: '/resource',
      token: `${b64u(JSON.stringify({ alg: 'none' }))}.${p}.${s}`,
      status: 401,
      challenge: 'invalid_token',
    })
    probes.push({
      kind: 'wrong-audience',
      path: '/resource',
      token: mint.mint(n++, { aud: 'https://other.example' }),
      status: 401,
      challenge: 'invalid_token',
    })
  }
  for (let i = 0; i < 50; i++) probes.push({ kind: 'no-token', path: '/resource', token: undefined, status: 401, challenge: null })
})

afterAll(async () => {
  console.info(`[figures] sustained: ${figures.join('; ')}`)
  await as.close()
})

function isRight(probe: Probe, result: HttpResult): boolean {
  if (result.status !== probe.status) return false
  if (probe.challenge === null) return probe.status === 200 ? result.challenge === undefined : result.challenge === 'Bearer'
  return result.challenge?.includes(`error="${probe.challenge}"`) === true
}

describe('sustained mixed traffic', () => {
  it.each(ADAPTERS)('%s: zero wrong decisions, zero 5xx', { timeout: 30_000 + loadSeconds() * 2_000 }, async (name) => {
    as.resetCounts()
    const server = await startServer(name, { issuer: as.issuer, audience: as.audience, jwksUri: as.jwksUri })
    const client = httpClient(server.port, SOCKETS)
    const byKind: Record<string, number> = {}
    let total = 0
    let wrong = 0
    let serverErrors = 0
    const examples: string[] = []
    const deadline = performance.now() + loadSeconds() * 1_000
    const started = performance.now()
    try {
      const worker = async (offset: number): Promise<void> => {
        // On a loaded machine the deadline can pass before every kind was sent: go on (bounded) until it was.
        const kinds = new Set(probes.map((p) => p.kind)).size
        const more = (i: number): boolean =>
          performance.now() < deadline || (Object.keys(byKind).length < kinds && i < offset + 64 * SOCKETS)
        for (let i = offset; more(i); i += SOCKETS) {
          const probe = probes[(i * 7919) % probes.length] as Probe
          const result = await client.get(probe.path, probe.token)
          total += 1
          byKind[probe.kind] = (byKind[probe.kind] ?? 0) + 1
          if (result.status >= 500) serverErrors += 1
          if (!isRight(probe, result)) {
            wrong += 1
            if (examples.length < 5) examples.push(`${probe.kind}: ${result.status} ${result.challenge}`)
          }
        }
      }
      await Promise.all(Array.from({ length: SOCKETS }, (_, i) => worker(i)))
    } finally {
      client.close()
      await server.close()
    }
    const seconds = (performance.now() - started) / 1000
    figures.push(
      `${name} ${total} requests in ${seconds.toFixed(1)} s (${Math.round(total / seconds)}/s), ${wrong} wrong, ${serverErrors} 5xx, ${as.requests.jwks} JWKS fetch ${JSON.stringify(byKind)}`,
    )
    expect(examples).toEqual([])
    expect(wrong).toBe(0)
    expect(serverErrors).toBe(0)
    expect(as.requests.jwks).toBe(1)
    // Every kind of probe was exercised.
    expect(Object.keys(byKind).sort()).toEqual([
      'alg-none',
      'expired',
      'forged',
      'insufficient-scope',
      'no-token',
      'valid',
      'wrong-audience',
    ])
  })
})
