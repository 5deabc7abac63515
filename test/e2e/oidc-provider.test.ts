/**
 * The example APIs against a real, certified authorization server (oidc-provider): every token here was
 * obtained by the client credentials grant over HTTP, and every API call is a real HTTP request.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { decodeJwt, decodeProtectedHeader } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type ApiResponse,
  call,
  DEMO_AUDIENCE,
  DEMO_CLIENTS,
  FRAMEWORKS,
  OTHER_AUDIENCE,
  type RunningServer,
  startApi,
  startIssuer,
  tokenFrom,
} from './support.js'

const { writer, reader } = DEMO_CLIENTS

type Issuer = Awaited<ReturnType<typeof startIssuer>>

describe.each(FRAMEWORKS)('%s example API with tokens from oidc-provider', (framework) => {
  let issuer: Issuer
  let foreignIssuer: Issuer
  let api: RunningServer
  const tokens = { writer: '', reader: '', otherAudience: '', foreignIssuer: '' }
  const open: Array<{ close(): Promise<void> }> = []

  const get = (path: string, token?: string): Promise<ApiResponse> => call(`${api.url}${path}`, token === undefined ? {} : { token })
  const post = (path: string, token?: string): Promise<ApiResponse> =>
    call(`${api.url}${path}`, token === undefined ? { method: 'POST' } : { method: 'POST', token })

  beforeAll(async () => {
    issuer = await startIssuer()
    // Same clients, same audience, its own keys: only the issuer differs.
    foreignIssuer = await startIssuer()
    open.push(issuer, foreignIssuer)
    // Strict RFC 9068 profile: oidc-provider's tokens carry typ at+jwt and every required claim.
    api = await startApi[framework]({ issuer: issuer.issuer, audience: DEMO_AUDIENCE, strict: true })
    open.push(api)
    tokens.writer = await tokenFrom(issuer, writer, 'read:data write:data')
    tokens.reader = await tokenFrom(issuer, reader, 'read:data')
    tokens.otherAudience = await tokenFrom(issuer, writer, 'read:data write:data', OTHER_AUDIENCE)
    tokens.foreignIssuer = await tokenFrom(foreignIssuer, writer, 'read:data write:data')
  })

  afterAll(async () => {
    await Promise.all(open.map((server) => server.close()))
    expect(issuer.errors).toEqual([])
    expect(foreignIssuer.errors).toEqual([])
  })

  it('gets RFC 9068 access tokens from the server: typ at+jwt, our audience, the granted scope', () => {
    expect(decodeProtectedHeader(tokens.writer)).toMatchObject({ alg: 'RS256', typ: 'at+jwt', kid: issuer.kids[0] })
    expect(decodeJwt(tokens.writer)).toMatchObject({
      iss: issuer.issuer,
      aud: DEMO_AUDIENCE,
      client_id: writer.clientId,
      sub: writer.clientId,
      scope: 'read:data write:data',
    })
    expect(decodeJwt(tokens.reader).scope).toBe('read:data')
  })

  it('lets a token with the right scope through (200) and exposes its client', async () => {
    const read = await get('/api/reports', tokens.writer)
    expect(read.status).toBe(200)
    expect(read.body.readBy).toBe(writer.clientId)
    expect((await get('/api/reports', tokens.reader)).status).toBe(200)
    const write = await post('/api/reports', tokens.writer)
    expect(write.status).toBe(201)
    expect(write.body.createdBy).toBe(writer.clientId)
  })

  it('refuses a token missing the route scope with 403 insufficient_scope naming the scope', async () => {
    const response = await post('/api/reports', tokens.reader)
    expect(response.status).toBe(403)
    expect(response.challenge).toBe(
      'Bearer realm="reports", error="insufficient_scope", error_description="insufficient scope", scope="write:data"',
    )
    expect(response.body).toEqual({ error: 'insufficient_scope', error_description: 'insufficient scope' })
  })

  it('answers a request without a token with 401 and a challenge carrying no error code', async () => {
    const response = await get('/api/reports')
    expect(response.status).toBe(401)
    expect(response.challenge).toBe('Bearer realm="reports"')
  })

  it('refuses a genuine token issued for another audience with 401 invalid_token', async () => {
    expect(decodeJwt(tokens.otherAudience).aud).toBe(OTHER_AUDIENCE)
    const response = await get('/api/reports', tokens.otherAudience)
    expect(response.status).toBe(401)
    expect(response.challenge).toBe('Bearer realm="reports", error="invalid_token", error_description="unexpected audience"')
  })

  it('refuses a token from another issuer with 401 invalid_token, without ever fetching that issuer keys', async () => {
    const jwksBefore = foreignIssuer.requests.jwks
    const response = await get('/api/reports', tokens.foreignIssuer)
    expect(response.status).toBe(401)
    expect(response.challenge).toMatch(/^Bearer realm="reports", error="invalid_token", error_description="[^"]+"$/)
    expect(foreignIssuer.requests.jwks).toBe(jwksBefore)
  })

  it('refuses a tampered token (payload edited to claim more scope) with 401 invalid_token', async () => {
    const [header, , signature] = tokens.reader.split('.')
    const payload = Buffer.from(JSON.stringify({ ...decodeJwt(tokens.reader), scope: 'read:data write:data' })).toString('base64url')
    const response = await post('/api/reports', `${header}.${payload}.${signature}`)
    expect(response.status).toBe(401)
    expect(response.challenge).toBe('Bearer realm="reports", error="invalid_token", error_description="invalid signature"')
  })

  it('keeps the health route public and makes the whoami token optional, but never lets a bad token by', async () => {
    expect(await get('/health')).toMatchObject({ status: 200, challenge: null, body: { status: 'ok' } })
    expect(await get('/api/whoami')).toMatchObject({ status: 200, body: { authenticated: false } })
    expect(await get('/api/whoami', tokens.reader)).toMatchObject({
      status: 200,
      body: { authenticated: true, clientId: reader.clientId, scopes: ['read:data'] },
    })
    const forged = await get('/api/whoami', `${tokens.reader}x`)
    expect(forged.status).toBe(401)
    expect(forged.challenge).toContain('error="invalid_token"')
  })

  it('finds the keys from the issuer alone through the server metadata, once, and not at startup', async () => {
    const fresh = await startIssuer()
    open.push(fresh)
    const server = await startApi[framework]({ issuer: fresh.issuer, audience: DEMO_AUDIENCE })
    open.push(server)
    expect(fresh.requests.total).toBe(0)

    const token = await tokenFrom(fresh, writer, 'read:data')
    const before = fresh.requests
    expect((await call(`${server.url}/api/reports`, { token })).status).toBe(200)
    // RFC 8414 metadata first (oidc-provider serves it), then the jwks_uri it names.
    expect(fresh.requests.discovery - before.discovery).toBe(1)
    expect(fresh.requests.jwks - before.jwks).toBe(1)

    const again = await tokenFrom(fresh, reader, 'read:data')
    const cached = fresh.requests
    expect((await call(`${server.url}/api/reports`, { token: again })).status).toBe(200)
    expect(fresh.requests.discovery).toBe(cached.discovery)
    expect(fresh.requests.jwks).toBe(cached.jwks)
    expect(fresh.errors).toEqual([])
  })

  it('follows the server key rotation, to another algorithm too, without a restart', async () => {
    const rotating = await startIssuer()
    open.push(rotating)
    // A short unknown-kid cooldown so the test needs not wait the default 30 s after the first fetch.
    const server = await startApi[framework]({ issuer: rotating.issuer, audience: DEMO_AUDIENCE, cooldownDuration: 100 })
    open.push(server)
    const reports = `${server.url}/api/reports`

    const beforeRotation = await tokenFrom(rotating, writer, 'read:data')
    expect((await call(reports, { token: beforeRotation })).status).toBe(200)
    expect(rotating.requests.jwks).toBe(1)

    const newKid = await rotating.rotateKeys({ alg: 'ES256' })
    const afterRotation = await tokenFrom(rotating, writer, 'read:data')
    expect(decodeProtectedHeader(afterRotation)).toMatchObject({ alg: 'ES256', kid: newKid })
    await sleep(150)
    expect((await call(reports, { token: afterRotation })).status).toBe(200)
    expect(rotating.requests.jwks).toBe(2)

    // The old key stays published until its tokens expire: both generations are accepted side by side.
    const another = await tokenFrom(rotating, reader, 'read:data')
    expect((await call(reports, { token: another })).status).toBe(200)
    expect((await call(reports, { token: beforeRotation })).status).toBe(200)
    expect(rotating.requests.jwks).toBe(2)
    expect(rotating.errors).toEqual([])
  })
})
