/**
 * The token and transport corpus through Express, Koa and Fastify over real HTTP (raw sockets, so several
 * `Authorization` lines and odd spacing reach the server as written). Same status and RFC 6750 code as the
 * core, the exact challenge, no JWKS request from a warm server, and nothing internal in any response.
 */
import type { GuardOptions } from '@bearer-guard/core'
import { afterAll, describe, expect, it } from 'vitest'
import { buildTokenCorpus, buildTransportCorpus, PROFILES, type Profile, type Verdict } from './corpus.js'
import { ADAPTERS, type AdapterName, leaks, type RawResponse, type RunningServer, rawRequest, startServer } from './support/servers.js'
import { challengeFor } from './support/verdict.js'
import { createWorld } from './support/world.js'

const world = await createWorld()
const corpus = buildTokenCorpus(world)
const transport = buildTransportCorpus(world)
const servers = new Map<string, RunningServer>()
let requests = 0

afterAll(async () => {
  console.info(`[figures] adapters: ${requests} HTTP requests over ${servers.size} servers (${ADAPTERS.join(', ')})`)
  await Promise.all([...servers.values()].map((s) => s.close()))
  await world.close()
})

/** One warm server per adapter and configuration. */
async function serverFor(name: AdapterName, profile: Partial<GuardOptions>): Promise<RunningServer> {
  const key = `${name} ${JSON.stringify(profile)}`
  let server = servers.get(key)
  if (server === undefined) {
    server = await startServer(name, world.options(profile))
    servers.set(key, server)
    const warm = await rawRequest(server.port, { path: '/resource', lines: [`Authorization: Bearer ${world.token()}`] })
    expect(warm.status).toBe(200)
  }
  return server
}

/** Node answers 431 itself when the request head exceeds its 16 KiB limit: no adapter code runs. */
const NODE_HEADER_LIMIT = 16 * 1024 - 512

function expectResponse(response: RawResponse, verdict: Verdict, secrets: readonly string[]): void {
  requests += 1
  expect(leaks(response, secrets)).toEqual([])
  if (verdict === 'accept') {
    expect(response.status, response.body).toBe(200)
    expect(JSON.parse(response.body)).toMatchObject({ sub: expect.any(String) })
    return
  }
  expect(response.status, response.body).toBe(verdict.status)
  expect(response.headers['www-authenticate']).toBe(challengeFor(verdict))
  expect(response.status).toBeLessThan(500)
}

describe.each(ADAPTERS)('%s', (name) => {
  it.each(corpus.map((c) => [`${c.group}: ${c.id}`, c] as const))('token corpus: %s', async (_label, c) => {
    const server = await serverFor(name, PROFILES[c.profile as Profile])
    world.issuer.resetCounts()
    const response = await rawRequest(server.port, { path: '/resource', lines: [`Authorization: Bearer ${c.token}`] })
    if (c.token.length > NODE_HEADER_LIMIT) {
      expect(response.status).toBe(431)
      requests += 1
    } else {
      expectResponse(response, c.expect, [world.issuer.origin, c.token.split('.')[2] ?? ''])
    }
    expect(world.issuer.requests.total).toBe(0)
    expect(world.attacker.requests.total).toBe(0)
  })

  it.each(transport.filter((c) => c.wire !== undefined).map((c) => [c.id, c] as const))('transport corpus: %s', async (_label, c) => {
    const server = await serverFor(name, c.profile ?? {})
    const wire = c.wire as NonNullable<typeof c.wire>
    const response = await rawRequest(server.port, wire)
    expectResponse(response, c.wireExpect ?? c.expect, [world.issuer.origin])
  })

  it('scopes: 403 insufficient_scope naming the route scope, 200 with it, 401 without a token, public stays public', async () => {
    const server = await serverFor(name, {})
    const read = world.token({ claims: { scope: 'read:data' } })
    const injected = world.token({ claims: { scope: 'read:data", error="none\r\nX-Evil: 1' } })
    const write = world.token({ claims: { scope: 'read:data write:data' } })
    const scoped = (token?: string): Promise<RawResponse> =>
      rawRequest(server.port, { path: '/scoped', lines: token === undefined ? [] : [`Authorization: Bearer ${token}`] })
    const insufficient = { status: 403, code: 'insufficient_scope', description: 'insufficient scope' } as const
    for (const token of [read, injected]) {
      const response = await scoped(token)
      requests += 1
      expect(leaks(response, [])).toEqual([])
      expect(response.status).toBe(insufficient.status)
      expect(response.headers['www-authenticate']).toBe(`${challengeFor(insufficient)}, scope="write:data"`)
      expect(response.headers['x-evil']).toBeUndefined()
    }
    expectResponse(await scoped(write), 'accept', [])
    expectResponse(await scoped(), { status: 401, code: undefined, description: 'bearer token required' }, [])
    const open = await rawRequest(server.port, {
      path: '/public',
      lines: [`Authorization: Bearer ${world.token({ header: { alg: 'none' } })}`],
    })
    expect(open.status).toBe(200)
  })
})
