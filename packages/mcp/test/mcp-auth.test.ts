/**
 * `mcpAuth` and its gate against a real issuer on loopback and real Express: option checks at startup,
 * the SDK/bearer-guard `AuthInfo` shape, query tokens, per-tool scopes read from hostile JSON-RPC bodies.
 */
import type { AddressInfo } from 'node:net'
import { createGuard, type Guard, type GuardOptions } from '@bearer-guard/core'
import { createMcpGate, isMcpAuthInfo, type McpAuthInfo, mcpAuth, mcpRequest, toMcpAuthInfo } from '@bearer-guard/mcp'
import { createTestIssuer, type TestIssuer } from '@bearer-guard/testing'
import express, { type ErrorRequestHandler } from 'express'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const RESOURCE = 'https://mcp.example.test/mcp'
const METADATA = 'https://mcp.example.test/.well-known/oauth-protected-resource/mcp'
let issuer: TestIssuer
let guard: Guard
let url: string
let close: () => Promise<void>
/** What the last request's handler saw as req.auth. */
let seen: unknown

beforeAll(async () => {
  issuer = await createTestIssuer()
  guard = createGuard({ issuer: issuer.issuer, protectedResource: { resource: RESOURCE } })
  const app = express()
  const onError: ErrorRequestHandler = (error, _req, res, _next) => {
    if (typeof error.status === 'number') res.status(error.status).set(error.headers).json(error.toJSON())
    else res.status(500).json({ message: (error as Error).message })
  }
  app.post('/mcp', express.json(), mcpAuth({ guard, scopes: 'mcp', toolScopes: { write: ['w', 'x'], constructor: 'c' } }), (req, res) => {
    seen = req.auth
    res.json({ ok: true, client: mcpRequest(req).auth.clientId })
  })
  // No body parser: per-tool scopes cannot be read.
  app.post('/raw', mcpAuth({ guard, toolScopes: { write: 'w' } }), (_req, res) => res.json({ ok: true }))
  // No mcpAuth at all: mcpRequest must refuse.
  app.post('/unguarded', (req, res) => res.json({ ok: mcpRequest(req) !== undefined }))
  app.use(onError)
  const server = app.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  close = () => new Promise((resolve) => server.close(() => resolve()))
})
afterAll(async () => {
  await close()
  await issuer.close()
})

const post = (path: string, body: unknown, token?: string, raw = false) =>
  fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
    body: raw ? (body as string) : JSON.stringify(body),
  })
const call = (name: unknown) => ({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: {} } })
const token = (scope: string, extra: Record<string, unknown> = {}) => issuer.sign({ aud: RESOURCE, scope, ...extra })

describe('startup checks', () => {
  it.each([
    [() => createMcpGate(createGuard({ issuer: 'https://as.example', audience: 'x' })), /needs protectedResource/],
    [() => mcpAuth({ issuer: 'https://as.example', audience: 'x' }), /needs protectedResource/],
    [() => mcpAuth({ guard: {} as Guard }), /"guard" must be a Guard/],
    [() => mcpAuth({ guard, issuer: 'https://as.example' } as never), /cannot be combined/],
    [() => mcpAuth({ guard, optional: true } as never), /"optional" is not supported/],
    [() => mcpAuth({ guard, scopes: 'a b' }), /"scopes"/],
    [() => mcpAuth({ guard, toolScopes: { t: 'a"b' } }), /"toolScopes.t"/],
    [() => mcpAuth({ guard, toolScopes: { t: [] } }), /"toolScopes.t"/],
    [() => mcpAuth({ guard, toolScopes: ['t'] as never }), /"toolScopes" must be an object/],
    [() => mcpAuth(null as never), /options must be/],
  ])('%#: refused with a TypeError', (make, message) => {
    expect(make).toThrow(TypeError)
    expect(make).toThrow(message)
  })

  it('guard options make their own guard; its resource is the audience', () => {
    const middleware = mcpAuth({ issuer: 'https://as.example', protectedResource: { resource: RESOURCE } } as GuardOptions)
    expect(middleware.guard.protectedResource?.resource).toBe(RESOURCE)
    expect(mcpAuth(guard).guard).toBe(guard)
  })
})

describe('the AuthInfo both sides see', () => {
  it('a structural superset: bearer-guard fields and the SDK fields, frozen', async () => {
    const auth = toMcpAuthInfo(await guard.verify(await token('mcp', { client_id: 'agent-1' })), RESOURCE)
    expect(auth.clientId).toBe('agent-1')
    expect(auth.scopes).toEqual(['mcp'])
    expect(auth.resource).toBeInstanceOf(URL)
    expect(auth.resource?.href).toBe(RESOURCE)
    expect(typeof auth.expiresAt).toBe('number')
    expect(auth.extra).toEqual({ subject: auth.subject, claims: auth.claims })
    expect(auth.claims.aud).toBe(RESOURCE)
    expect(auth.header.alg).toBeDefined()
    expect(Object.isFrozen(auth) && Object.isFrozen(auth.scopes)).toBe(true)
    expect(isMcpAuthInfo(auth)).toBe(true)
    expect(isMcpAuthInfo({ ...auth })).toBe(false)
  })

  it('clientId falls back to azp, then sub; a token naming no client is refused with 401', async () => {
    const verified = await guard.verify(await token('mcp', { client_id: undefined, azp: 'azp-client' }))
    expect(toMcpAuthInfo(verified, RESOURCE).clientId).toBe('azp-client')
    const bySub = await guard.verify(await token('mcp', { client_id: undefined, sub: 'sub-client' }))
    expect(toMcpAuthInfo(bySub, RESOURCE).clientId).toBe('sub-client')
    const anonymous = await guard.verify(await token('mcp', { client_id: undefined, sub: undefined }))
    expect(() => toMcpAuthInfo(anonymous, RESOURCE)).toThrow(expect.objectContaining({ status: 401, code: 'invalid_token' }))
  })

  it('resource is set only when the token is for it (a legacy audience leaves it undefined)', async () => {
    const both = createGuard({ issuer: issuer.issuer, audience: 'api://legacy', protectedResource: { resource: RESOURCE } })
    const legacy = await both.verify(await issuer.sign({ aud: 'api://legacy' }))
    expect(toMcpAuthInfo(legacy, RESOURCE).resource).toBeUndefined()
  })

  it('over HTTP: the handler sees the MCP shape on req.auth, and mcpRequest hands it on', async () => {
    const response = await post('/mcp', { jsonrpc: '2.0', id: 1, method: 'tools/list' }, await token('mcp', { client_id: 'agent-2' }))
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ ok: true, client: 'agent-2' })
    expect(isMcpAuthInfo(seen)).toBe(true)
    expect((seen as McpAuthInfo).claims.client_id).toBe('agent-2')
  })

  it('mcpRequest without mcpAuth throws instead of running tools unauthenticated', async () => {
    const response = await post('/unguarded', {})
    expect(response.status).toBe(500)
    expect(((await response.json()) as { message: string }).message).toMatch(/no mcpAuth ran/)
  })
})

describe('challenges and per-tool scopes', () => {
  it('no token: 401 naming the scopes the call needs, and the metadata URL', async () => {
    const list = await post('/mcp', { jsonrpc: '2.0', id: 1, method: 'initialize', params: {} })
    expect(list.status).toBe(401)
    expect(list.headers.get('www-authenticate')).toBe(`Bearer scope="mcp", resource_metadata="${METADATA}"`)
    const write = await post('/mcp', call('write'))
    expect(write.headers.get('www-authenticate')).toBe(`Bearer scope="mcp w x", resource_metadata="${METADATA}"`)
  })

  it('a route scope missing: 403 naming it; a tool scope missing: 403 naming all the call needs', async () => {
    const noRoute = await post('/mcp', call('read'), await token('w x'))
    expect(noRoute.status).toBe(403)
    expect(noRoute.headers.get('www-authenticate')).toContain('scope="mcp"')
    const noTool = await post('/mcp', call('write'), await token('mcp w'))
    expect(noTool.status).toBe(403)
    expect(noTool.headers.get('www-authenticate')).toBe(
      `Bearer error="insufficient_scope", error_description="insufficient scope", scope="mcp w x", resource_metadata="${METADATA}"`,
    )
    const neither = await post('/mcp', call('write'), await token('w x'))
    expect(neither.headers.get('www-authenticate')).toContain('scope="mcp w x"')
    expect((await post('/mcp', call('write'), await token('mcp w x'))).status).toBe(200)
    expect((await post('/mcp', call('read'), await token('mcp'))).status).toBe(200)
  })

  it('a batch needs the union of its tools scopes', async () => {
    const batch = [call('read'), call('write'), call('constructor')]
    const response = await post('/mcp', batch, await token('mcp w x'))
    expect(response.status).toBe(403)
    expect(response.headers.get('www-authenticate')).toContain('scope="mcp w x c"')
    expect((await post('/mcp', batch, await token('mcp w x c'))).status).toBe(200)
  })

  it.each([
    ['params null', { jsonrpc: '2.0', id: 1, method: 'tools/call', params: null }],
    ['name a number', call(42)],
    ['name an object', call({ toString: 'write' })],
    ['prototype names', call('__proto__')],
    ['toString', call('toString')],
    ['nested arrays', [[call('write')]]],
  ])('hostile body (%s): no crash, only the route scope applies', async (_label, body) => {
    const response = await post('/mcp', body, await token('mcp'))
    expect(response.status).toBe(200)
  })

  it('bodies express.json() would refuse reach the gate without harm too', async () => {
    const gate = createMcpGate({ guard, toolScopes: { write: 'w' } })
    const headers = { authorization: `Bearer ${await token('mcp')}` }
    for (const body of ['tools/call', null, 42, undefined, Buffer.from('{}')]) {
      await expect(gate.authorize({ method: 'POST', url: '/mcp', headers, body })).resolves.toMatchObject({ scopes: ['mcp'] })
    }
  })

  it('tokens in the query string are refused with 400, even with a header token', async () => {
    const good = await token('mcp')
    const response = await fetch(`${url}/mcp?access_token=${good}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${good}` },
      body: '{}',
    })
    expect(response.status).toBe(400)
    expect(response.headers.get('www-authenticate')).toBe(
      `Bearer error="invalid_request", error_description="access tokens are not accepted in the query string", resource_metadata="${METADATA}"`,
    )
    // Other query parameters are fine.
    expect(
      (
        await fetch(`${url}/mcp?x=1`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${good}` },
          body: '{}',
        })
      ).status,
    ).toBe(200)
  })

  it('a guard that accepts query or body tokens is refused: its metadata would advertise them to MCP clients', () => {
    const lax = createGuard({ issuer: issuer.issuer, tokenLocations: ['header', 'query'], protectedResource: { resource: RESOURCE } })
    expect(() => createMcpGate(lax)).toThrow(/accepts header, query tokens; MCP allows the Authorization header only/)
    expect(() => mcpAuth({ guard: lax })).toThrow(TypeError)
  })

  it('a body token is never read on MCP routes', async () => {
    const gate = createMcpGate(guard)
    const good = await token('mcp')
    await expect(
      gate.authorize({
        method: 'POST',
        url: '/mcp',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: { access_token: good },
      }),
    ).rejects.toMatchObject({ status: 401, code: undefined })
  })

  it('per-tool scopes without a parsed body: a loud 500 naming express.json()', async () => {
    const response = await post('/raw', call('write'), await token('w'))
    expect(response.status).toBe(500)
    expect(((await response.json()) as { message: string }).message).toMatch(/mount express.json\(\) before mcpAuth/)
    // No body, or a body that is not JSON (the SDK answers 415): nothing to read, the route scopes apply.
    expect((await fetch(`${url}/raw`, { method: 'POST', headers: { authorization: `Bearer ${await token('')}` } })).status).toBe(200)
    const text = await fetch(`${url}/raw`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', authorization: `Bearer ${await token('')}` },
      body: 'x',
    })
    expect(text.status).toBe(200)
  })
})
