/** The daemon client's token cache against a real oidc-provider: one token reused, renewed before expiry. */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type AuthorizationServer, DEMO_AUDIENCE, DEMO_CLIENTS, startAuthorizationServer } from '@bearer-guard/example-authorization-server'
import { authorizedFetch, createTokenClient, type TokenClientOptions } from '@bearer-guard/example-client-credentials'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'

const { writer, reader } = DEMO_CLIENTS

describe('createTokenClient', () => {
  let server: AuthorizationServer
  let shortLived: AuthorizationServer
  let now = 0
  const clock = (): number => now
  const options = (overrides: Partial<TokenClientOptions> = {}): TokenClientOptions => ({
    issuer: server.issuer,
    ...writer,
    scope: 'read:data',
    resource: DEMO_AUDIENCE,
    clock,
    ...overrides,
  })

  beforeAll(async () => {
    server = await startAuthorizationServer()
    shortLived = await startAuthorizationServer({ accessTokenTtlSeconds: 20 })
  })
  afterAll(async () => {
    await Promise.all([server.close(), shortLived.close()])
  })
  beforeEach(() => {
    now = Date.now()
  })

  it('reuses one token until 30 s before it expires, then gets a new one', async () => {
    const before = server.requests
    const tokens = createTokenClient(options())
    const first = await tokens.getToken()
    expect(first.expiresAt - now).toBe(300_000)
    expect(first.renewAt - now).toBe(270_000)
    expect(first.scope).toBe('read:data')

    now += 269_999
    expect((await tokens.getToken()).value).toBe(first.value)
    expect(server.requests.token - before.token).toBe(1)

    now += 1
    const second = await tokens.getToken()
    expect(second.value).not.toBe(first.value)
    expect(tokens.tokenRequests).toBe(2)
    expect(server.requests.token - before.token).toBe(2)
    // Discovery happens once per client, not once per token.
    expect(server.requests.discovery - before.discovery).toBe(1)
  })

  it('renews a short-lived token halfway through its life rather than 30 s before its end', async () => {
    const tokens = createTokenClient(options({ issuer: shortLived.issuer }))
    const token = await tokens.getToken()
    expect(token.expiresAt - now).toBe(20_000)
    expect(token.renewAt - now).toBe(10_000)
  })

  it('makes one token request for many concurrent callers', async () => {
    const before = server.requests.token
    const tokens = createTokenClient(options())
    const all = await Promise.all(Array.from({ length: 8 }, () => tokens.getToken()))
    expect(new Set(all.map((token) => token.value)).size).toBe(1)
    expect(server.requests.token - before).toBe(1)
  })

  it('rejects with the server error when a scope is not allowed, and asks again on the next call', async () => {
    const tokens = createTokenClient(options({ ...reader, scope: 'write:data' }))
    await expect(tokens.getToken()).rejects.toMatchObject({ error: 'invalid_scope' })
    await expect(tokens.getToken()).rejects.toMatchObject({ error: 'invalid_scope' })
    expect(tokens.tokenRequests).toBe(2)
  })

  describe('authorizedFetch', () => {
    let api: Server
    let url = ''
    const seen: string[] = []

    beforeAll(async () => {
      // A real API that no longer trusts the first token it sees (as after a key retirement).
      api = createServer((req, res) => {
        const authorization = req.headers.authorization ?? ''
        seen.push(authorization)
        if (req.url === '/forbidden') {
          res.writeHead(403, { 'www-authenticate': 'Bearer error="insufficient_scope", scope="admin"' }).end()
        } else if (seen.indexOf(authorization) === 0) {
          res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end()
        } else {
          res.writeHead(200).end('ok')
        }
      })
      await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve))
      url = `http://127.0.0.1:${(api.address() as AddressInfo).port}`
    })
    afterAll(async () => {
      api.closeAllConnections()
      await new Promise((resolve) => api.close(resolve))
    })

    it('retries once with a new token when the API answers 401 invalid_token', async () => {
      const tokens = createTokenClient(options())
      const response = await authorizedFetch(tokens, `${url}/data`)
      expect(response.status).toBe(200)
      expect(seen).toHaveLength(2)
      expect(seen[0]).not.toBe(seen[1])
      expect(tokens.tokenRequests).toBe(2)
    })

    it('does not retry other refusals', async () => {
      const tokens = createTokenClient(options())
      const before = seen.length
      const response = await authorizedFetch(tokens, `${url}/forbidden`)
      expect(response.status).toBe(403)
      expect(seen.length - before).toBe(1)
      expect(tokens.tokenRequests).toBe(1)
    })
  })
})
