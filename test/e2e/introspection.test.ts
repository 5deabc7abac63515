/**
 * Opaque access tokens from a real authorization server (oidc-provider, a resource indicator whose token
 * format is opaque), checked by its real introspection endpoint (RFC 7662), through every adapter:
 * accepted with their scopes, revocation (RFC 7009) effective within the cache ceiling, concurrent
 * requests coalesced into one introspection counted at the server, and an outage answered 503.
 */
import type { GuardOptions } from '@bearer-guard/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_RESOURCE_SERVER, OPAQUE_AUDIENCE } from '../../examples/authorization-server/dist/index.js'
import { type App, call, FRAMEWORKS, startApp } from '../providers/apps.js'
import { DEMO_AUDIENCE, DEMO_CLIENTS, OTHER_AUDIENCE, startIssuer, tokenFrom } from './support.js'

const { writer, reader } = DEMO_CLIENTS
const CEILING_MS = 1000
type Issuer = Awaited<ReturnType<typeof startIssuer>>

const startOpaqueIssuer = (): Promise<Issuer> =>
  startIssuer({ resources: [DEMO_AUDIENCE, OTHER_AUDIENCE, OPAQUE_AUDIENCE], opaqueResources: [OPAQUE_AUDIENCE, OTHER_AUDIENCE] })

function options(issuer: Issuer): GuardOptions {
  return {
    issuer: issuer.issuer,
    audience: OPAQUE_AUDIENCE,
    // No endpoint: discovered from the server's metadata (introspection_endpoint).
    introspection: {
      clientId: DEMO_RESOURCE_SERVER.clientId,
      clientSecret: DEMO_RESOURCE_SERVER.clientSecret,
      cacheTtlCeiling: CEILING_MS,
    },
  }
}

async function revoke(issuer: Issuer, token: string, client: typeof writer): Promise<void> {
  const response = await fetch(issuer.revocationEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token, client_id: client.clientId, client_secret: client.clientSecret }),
  })
  expect(response.status).toBe(200)
}

describe.each(FRAMEWORKS)('%s API with opaque tokens introspected at oidc-provider', (framework) => {
  let issuer: Issuer
  let app: App

  beforeAll(async () => {
    issuer = await startOpaqueIssuer()
    app = await startApp(framework, options(issuer))
  })

  afterAll(async () => {
    await app.close()
    await issuer.close()
    expect(issuer.errors).toEqual([])
  })

  it('gets an opaque token (no JWT) and the API accepts it with its client and scopes', async () => {
    const token = await tokenFrom(issuer, writer, 'read:data write:data', OPAQUE_AUDIENCE)
    expect(token.split('.')).toHaveLength(1)
    const me = await call(`${app.url}/me`, token)
    expect(me.status).toBe(200)
    expect(me.body).toMatchObject({ clientId: writer.clientId, scopes: ['read:data', 'write:data'] })
    expect((await call(`${app.url}/needs/write:data`, token)).status).toBe(200)
  })

  it('enforces route scopes from the introspected scope (403 insufficient_scope)', async () => {
    const token = await tokenFrom(issuer, reader, 'read:data', OPAQUE_AUDIENCE)
    expect((await call(`${app.url}/needs/read:data`, token)).status).toBe(200)
    const denied = await call(`${app.url}/needs/write:data`, token)
    expect(denied.status).toBe(403)
    expect(denied.headers.get('www-authenticate')).toContain('error="insufficient_scope"')
  })

  it('refuses an active opaque token for another resource (the response aud is checked), and junk', async () => {
    const other = await tokenFrom(issuer, writer, 'read:data', OTHER_AUDIENCE)
    expect(other.split('.')).toHaveLength(1)
    const response = await call(`${app.url}/me`, other)
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toContain('error_description="unexpected audience"')
    const junk = await call(`${app.url}/me`, 'x'.repeat(43))
    expect(junk.status).toBe(401)
    expect(junk.headers.get('www-authenticate')).toContain('error_description="token not active"')
  })

  it('revocation takes effect within the cache ceiling', async () => {
    const token = await tokenFrom(issuer, writer, 'read:data', OPAQUE_AUDIENCE)
    expect((await call(`${app.url}/me`, token)).status).toBe(200)
    await revoke(issuer, token, writer)
    const revokedAt = Date.now()
    // Still cached: the ceiling is the price of not asking on every request.
    let status = (await call(`${app.url}/me`, token)).status
    while (status === 200 && Date.now() - revokedAt < CEILING_MS + 500) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      status = (await call(`${app.url}/me`, token)).status
    }
    expect(status).toBe(401)
    expect(Date.now() - revokedAt).toBeLessThanOrEqual(CEILING_MS + 500)
  })

  it('N concurrent requests with one new token make one introspection at the server', async () => {
    const token = await tokenFrom(issuer, writer, 'read:data', OPAQUE_AUDIENCE)
    const before = issuer.requests.introspection
    const responses = await Promise.all(Array.from({ length: 20 }, () => call(`${app.url}/me`, token)))
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200))
    expect(issuer.requests.introspection - before).toBe(1)
  })

  it('an introspection endpoint outage is 503 with Retry-After, not 401', async () => {
    const down = await startOpaqueIssuer()
    const downApp = await startApp(framework, options(down))
    try {
      const cached = await tokenFrom(down, writer, 'read:data', OPAQUE_AUDIENCE)
      expect((await call(`${downApp.url}/me`, cached)).status).toBe(200)
      const fresh = await tokenFrom(down, writer, 'read:data', OPAQUE_AUDIENCE)
      await down.close()
      const response = await call(`${downApp.url}/me`, fresh)
      expect(response.status).toBe(503)
      expect(response.headers.get('retry-after')).toMatch(/^\d+$/)
      // A result cached before the outage still serves until its ceiling.
      expect((await call(`${downApp.url}/me`, cached)).status).toBe(200)
    } finally {
      await downApp.close()
    }
  })
})
