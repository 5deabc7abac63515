/**
 * Discovery of `jwks_uri` (RFC 8414 §3, OpenID Connect Discovery, in the MCP order), the issuer check of
 * RFC 8414 §3.3, and per-issuer key sets (RFC 8725 §3.8). A small metadata server stands in where the
 * test issuer serves every location at once.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createGuard } from '@bearer-guard/core'
import { createTestIssuer, type TestIssuer } from '@bearer-guard/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { eventually, expectInvalidToken, expectUnavailable, fakeClock } from './helpers.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((close) => close()))
})

async function issuer(issuerPath?: string): Promise<TestIssuer> {
  const created = await createTestIssuer({ alg: 'ES256', ...(issuerPath ? { issuerPath } : {}) })
  cleanups.push(() => created.close())
  return created
}

interface MetadataServer {
  readonly origin: string
  /** Paths requested, in order. */
  readonly hits: string[]
}

/** Serves `routes(origin)[path]` as JSON (or that status when it is a number), 404 elsewhere. */
async function metadataServer(routes: (origin: string) => Record<string, unknown>): Promise<MetadataServer> {
  const hits: string[] = []
  let table: Record<string, unknown> = {}
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/'
    hits.push(path)
    const entry = table[path]
    if (typeof entry === 'number') return res.writeHead(entry).end()
    if (entry === undefined) return res.writeHead(404).end()
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(entry))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  table = routes(origin)
  cleanups.push(() => new Promise((resolve) => server.close(() => resolve())))
  return { origin, hits }
}

describe('discovery with the test issuer', () => {
  it('an issuer at the origin: RFC 8414 metadata first, then the JWKS, once each', async () => {
    const as = await issuer()
    const guard = createGuard({ issuer: as.issuer, audience: as.audience })
    await expect(guard.verify(await as.sign())).resolves.toBeDefined()
    expect(as.requests).toEqual({ discovery: 1, jwks: 1, total: 2 })
  })

  it('an issuer with a path', async () => {
    const as = await issuer('/tenant-a')
    expect(as.issuer).toMatch(/\/tenant-a$/)
    const guard = createGuard({ issuer: as.issuer, audience: as.audience })
    await expect(guard.verify(await as.sign())).resolves.toMatchObject({ claims: { iss: as.issuer } })
    expect(as.requests).toEqual({ discovery: 1, jwks: 1, total: 2 })
  })

  it('concurrent cold requests discover once', async () => {
    const as = await issuer()
    const guard = createGuard({ issuer: as.issuer, audience: as.audience })
    const tokens = await Promise.all(Array.from({ length: 20 }, () => as.sign()))
    await Promise.all(tokens.map((token) => guard.verify(token)))
    expect(as.requests).toEqual({ discovery: 1, jwks: 1, total: 2 })
  })

  it('once jwks_uri is known, refreshes and reloads never discover again', async () => {
    const as = await issuer()
    const time = fakeClock()
    let fetches = 0
    const guard = createGuard({
      issuer: as.issuer,
      audience: as.audience,
      clock: time.clock,
      tokenCache: false,
      onJwksFetch: (event) => {
        if (event.ok) fetches += 1
      },
    })
    await guard.verify(await as.sign())
    // Any new discovery would now fail on the issuer mismatch, and make the refreshes below fail with it.
    as.setMetadataIssuer('https://evil.example/')
    await guard.reload()
    time.advance(30_000)
    await expectInvalidToken(guard.verify(await as.sign({}, { header: { kid: 'unknown' } })), 'unknown signing key')
    time.advance(600_000)
    await guard.verify(await as.sign())
    await eventually(() => fetches === 4)
    await guard.reload()
    expect(as.requests.discovery).toBe(1)
    expect(as.requests.jwks).toBe(5)
  })

  it('metadata naming another issuer is not used: 503, and the JWKS is never fetched', async () => {
    const as = await issuer()
    as.setMetadataIssuer('https://evil.example/')
    const guard = createGuard({ issuer: as.issuer, audience: as.audience })
    await expectUnavailable(guard.verify(await as.sign()))
    expect(as.requests.jwks).toBe(0)
    expect(as.requests.discovery).toBe(1)
  })

  it('a trailing-slash difference in the metadata issuer is a mismatch too', async () => {
    const as = await issuer()
    as.setMetadataIssuer(`${as.issuer}/`)
    await expectUnavailable(createGuard({ issuer: as.issuer, audience: as.audience }).verify(await as.sign()))
    expect(as.requests.jwks).toBe(0)
  })

  it('discovery down: 503 with Retry-After, then recovery', async () => {
    const as = await issuer()
    const time = fakeClock()
    const guard = createGuard({ issuer: as.issuer, audience: as.audience, clock: time.clock })
    as.fail('http-500', { discovery: true })
    await expectUnavailable(guard.verify(await as.sign()))
    expect(as.requests.jwks).toBe(0)
    as.fail('ok')
    time.advance(1_000)
    await expect(guard.verify(await as.sign())).resolves.toBeDefined()
  })

  it('discovery hanging: 503 after the timeout', async () => {
    const as = await issuer()
    const guard = createGuard({ issuer: as.issuer, audience: as.audience, timeoutDuration: 200 })
    as.fail('hang', { discovery: true })
    await expectUnavailable(guard.verify(await as.sign()))
  })

  it('discovery answering invalid JSON: 503', async () => {
    const as = await issuer()
    as.fail('invalid-json', { discovery: true })
    await expectUnavailable(createGuard({ issuer: as.issuer, audience: as.audience }).verify(await as.sign()))
  })

  it('each issuer of a list has its own keys: a token claiming B signed with A’s key is refused', async () => {
    const a = await issuer()
    const b = await issuer()
    const guard = createGuard({ issuer: [a.issuer, b.issuer], audience: a.audience })
    await expect(guard.verify(await a.sign())).resolves.toMatchObject({ claims: { iss: a.issuer } })
    await expect(guard.verify(await b.sign())).resolves.toMatchObject({ claims: { iss: b.issuer } })
    // Same kid too, so only the per-issuer key set can tell them apart.
    const forged = await a.sign({ iss: b.issuer }, { header: { kid: b.kids[0] } })
    await expectInvalidToken(guard.verify(forged), 'invalid signature')
  })

  it('one issuer being down does not affect the other', async () => {
    const a = await issuer()
    const b = await issuer()
    b.fail('down', { discovery: true })
    const guard = createGuard({ issuer: [a.issuer, b.issuer], audience: a.audience })
    await expectUnavailable(guard.verify(await b.sign()))
    await expect(guard.verify(await a.sign())).resolves.toBeDefined()
  })
})

describe('discovery locations and contents', () => {
  it('root issuer: falls back to openid-configuration after a 404 on RFC 8414', async () => {
    const as = await issuer()
    const meta = await metadataServer((origin) => ({
      '/.well-known/openid-configuration': { issuer: origin, jwks_uri: as.jwksUri },
    }))
    const guard = createGuard({ issuer: meta.origin, audience: as.audience })
    await expect(guard.verify(await as.sign({ iss: meta.origin }))).resolves.toBeDefined()
    expect(meta.hits).toEqual(['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration'])
  })

  it('issuer with a path: path insertion for both, then OIDC path appending (MCP order)', async () => {
    const as = await issuer()
    const meta = await metadataServer((origin) => ({
      '/tenant/.well-known/openid-configuration': { issuer: `${origin}/tenant`, jwks_uri: as.jwksUri },
    }))
    const iss = `${meta.origin}/tenant`
    const guard = createGuard({ issuer: iss, audience: as.audience })
    await expect(guard.verify(await as.sign({ iss }))).resolves.toBeDefined()
    expect(meta.hits).toEqual([
      '/.well-known/oauth-authorization-server/tenant',
      '/.well-known/openid-configuration/tenant',
      '/tenant/.well-known/openid-configuration',
    ])
  })

  it('an outage at the first location fails discovery instead of trying the next', async () => {
    const as = await issuer()
    const meta = await metadataServer((origin) => ({
      '/.well-known/oauth-authorization-server': 503,
      '/.well-known/openid-configuration': { issuer: origin, jwks_uri: as.jwksUri },
    }))
    await expectUnavailable(createGuard({ issuer: meta.origin, audience: as.audience }).verify(await as.sign({ iss: meta.origin })))
    expect(meta.hits).toEqual(['/.well-known/oauth-authorization-server'])
  })

  it('no metadata anywhere: 503', async () => {
    const as = await issuer()
    const meta = await metadataServer(() => ({}))
    await expectUnavailable(createGuard({ issuer: meta.origin, audience: as.audience }).verify(await as.sign({ iss: meta.origin })))
    expect(meta.hits).toHaveLength(2)
  })

  it.each([
    ['no jwks_uri', (origin: string) => ({ issuer: origin })],
    ['a non-string jwks_uri', (origin: string) => ({ issuer: origin, jwks_uri: 42 })],
    ['a plain-http jwks_uri off loopback', (origin: string) => ({ issuer: origin, jwks_uri: 'http://keys.example/jwks' })],
    ['a non-http jwks_uri', (origin: string) => ({ issuer: origin, jwks_uri: 'file:///etc/passwd' })],
    ['an array', () => [1]],
    ['no issuer', () => ({ jwks_uri: 'https://keys.example/jwks' })],
  ])('metadata with %s is refused: 503', async (_name, doc) => {
    const as = await issuer()
    const meta = await metadataServer((origin) => ({ '/.well-known/oauth-authorization-server': doc(origin) }))
    await expectUnavailable(createGuard({ issuer: meta.origin, audience: as.audience }).verify(await as.sign({ iss: meta.origin })))
  })

  it('algorithms advertised in the metadata are ignored: the allow-list stays the guard’s', async () => {
    const as = await issuer()
    const meta = await metadataServer((origin) => ({
      '/.well-known/oauth-authorization-server': {
        issuer: origin,
        jwks_uri: as.jwksUri,
        id_token_signing_alg_values_supported: ['none', 'HS256'],
        token_endpoint_auth_signing_alg_values_supported: ['none'],
      },
    }))
    const guard = createGuard({ issuer: meta.origin, audience: as.audience, algorithms: ['ES256'] })
    await expect(guard.verify(await as.sign({ iss: meta.origin }))).resolves.toBeDefined()
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ iss: meta.origin })).toString('base64url')}.`
    await expectInvalidToken(guard.verify(none), 'missing signature')
    await expectInvalidToken(guard.verify(`${none}c2ln`), 'algorithm not allowed')
  })

  it('an explicit jwksUri skips discovery entirely', async () => {
    const as = await issuer()
    await createGuard({ issuer: as.issuer, audience: as.audience, jwksUri: as.jwksUri }).verify(await as.sign())
    expect(as.requests).toEqual({ discovery: 0, jwks: 1, total: 1 })
  })
})
