/**
 * Issue 9 in the core, where no adapter is involved: the `validate` hook's verdicts, `fetchHeaders` across
 * origins (two loopback servers on different ports are two origins), what "one token, one spelling" really
 * covers, and the structured `cause` of rejections.
 */
import { once } from 'node:events'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  type AuthInfo,
  createGuard,
  type GuardOptions,
  isRejectionCause,
  type KeySetFetchEvent,
  REJECTION_REASONS,
} from '@bearer-guard/core'
import { createTestIssuer } from '@bearer-guard/testing'
import { createLocalJWKSet, jwtVerify } from 'jose'
import { afterAll, describe, expect, it } from 'vitest'
import { rejection } from './helpers.js'

const as = await createTestIssuer()
const servers: Server[] = []
afterAll(async () => {
  await as.close()
  for (const server of servers) server.closeAllConnections()
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))))
})

const options = (extra: Partial<GuardOptions> = {}): GuardOptions => ({
  issuer: as.issuer,
  audience: as.audience,
  jwksUri: as.jwksUri,
  ...extra,
})

describe('validate: only true or nothing accepts', () => {
  const token = as.sign({ sub: 'u1' })
  const verdicts: Array<[string, unknown, string | undefined]> = [
    ['true', true, undefined],
    ['undefined (a void hook)', undefined, undefined],
    ['false', false, 'false'],
    ['0 (a row count)', 0, 'number'],
    ['1 (a row count)', 1, 'number'],
    ['null (a lookup that found nothing)', null, 'null'],
    ["'' (an empty string)", '', 'string'],
    ["'yes'", 'yes', 'string'],
    ['{} (a row)', {}, 'object'],
    ['[] (no rows)', [], 'object'],
    ['NaN', Number.NaN, 'number'],
  ]
  it.each(verdicts)('an async hook resolving %s', async (_label, value, returned) => {
    const guard = createGuard(options({ validate: async () => value }))
    const outcome = guard.verify(await token)
    if (returned === undefined) {
      await expect(outcome).resolves.toMatchObject({ subject: 'u1' })
      return
    }
    const error = await rejection(outcome)
    expect({ status: error.status, code: error.code, description: error.description }).toEqual({
      status: 401,
      code: 'invalid_token',
      description: 'token rejected',
    })
    expect(error.cause).toEqual({ reason: 'validate_rejected', returned, alg: 'RS256', kid: as.kids[0] })
  })

  it.each(verdicts)('a sync hook returning %s', async (_label, value, returned) => {
    const guard = createGuard(options({ validate: () => value }))
    const outcome = guard.verify(await token)
    if (returned === undefined) await expect(outcome).resolves.toBeDefined()
    else await expect(outcome).rejects.toMatchObject({ status: 401, cause: { reason: 'validate_rejected', returned } })
  })

  it('the verdict is taken on cache hits too: a hook that starts returning 0 rejects a cached token', async () => {
    let answer: unknown
    const guard = createGuard(options({ validate: (_auth: AuthInfo) => answer }))
    const t = await as.sign({ sub: 'cached' })
    await guard.verify(t)
    await guard.verify(t)
    expect(guard.cacheSize).toBe(1)
    answer = 0
    await expect(guard.verify(t)).rejects.toMatchObject({ status: 401, description: 'token rejected' })
  })
})

/** A JSON server on its own port (its own origin) that records every request's headers. */
async function recorder(handle: (path: string, self: string) => { status: number; body?: unknown; location?: string }) {
  const seen: Array<{ path: string; headers: IncomingHttpHeaders }> = []
  let self = ''
  const server = createServer((req, res) => {
    seen.push({ path: req.url ?? '', headers: req.headers })
    const answer = handle(req.url ?? '', self)
    if (answer.location !== undefined) res.setHeader('location', answer.location)
    res.writeHead(answer.status, { 'content-type': 'application/json' })
    res.end(answer.body === undefined ? '' : JSON.stringify(answer.body))
  })
  servers.push(server)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  self = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { url: self, seen }
}

const SECRET_HEADERS = { authorization: 'Basic c2VjcmV0', 'x-api-key': 'k-123' }

describe('fetchHeaders never leave the origin they were configured for', () => {
  it('a redirect to another origin (another port) gets none of them; the first origin gets all', async () => {
    const keys = await recorder(() => ({ status: 200, body: as.jwks() }))
    const front = await recorder(() => ({ status: 302, location: `${keys.url}/jwks.json` }))
    const guard = createGuard(options({ jwksUri: `${front.url}/jwks.json`, followRedirects: true, fetchHeaders: SECRET_HEADERS }))
    await expect(guard.verify(await as.sign())).resolves.toBeDefined()
    expect(front.seen).toHaveLength(1)
    expect(front.seen[0]?.headers).toMatchObject(SECRET_HEADERS)
    expect(keys.seen).toHaveLength(1)
    expect(keys.seen[0]?.headers.authorization).toBeUndefined()
    expect(keys.seen[0]?.headers['x-api-key']).toBeUndefined()
  })

  it('a redirect within the origin keeps them', async () => {
    const server = await recorder((path, self) =>
      path === '/old' ? { status: 301, location: `${self}/new` } : { status: 200, body: as.jwks() },
    )
    const guard = createGuard(options({ jwksUri: `${server.url}/old`, followRedirects: true, fetchHeaders: SECRET_HEADERS }))
    await expect(guard.verify(await as.sign())).resolves.toBeDefined()
    expect(server.seen.map((r) => r.path)).toEqual(['/old', '/new'])
    for (const request of server.seen) expect(request.headers).toMatchObject(SECRET_HEADERS)
  })

  it('a hop back to the first origin after a foreign one gets them again only there', async () => {
    const back = await recorder(() => ({ status: 200, body: as.jwks() }))
    const away = await recorder(() => ({ status: 302, location: `${back.url}/jwks` }))
    const guard = createGuard(options({ jwksUri: `${away.url}/start`, followRedirects: true, fetchHeaders: SECRET_HEADERS }))
    await guard.verify(await as.sign())
    expect(away.seen[0]?.headers['x-api-key']).toBe('k-123')
    expect(back.seen[0]?.headers['x-api-key']).toBeUndefined()
  })

  it("discovery: the issuer's metadata gets them, a jwks_uri on another origin does not (and is still used)", async () => {
    const keys = await recorder(() => ({ status: 200, body: as.jwks() }))
    const issuer = await recorder((_path, self) => ({ status: 200, body: { issuer: self, jwks_uri: `${keys.url}/keys` } }))
    const guard = createGuard({ issuer: issuer.url, audience: as.audience, fetchHeaders: SECRET_HEADERS })
    await expect(guard.verify(await as.sign({ iss: issuer.url }))).resolves.toBeDefined()
    expect(issuer.seen[0]?.headers).toMatchObject(SECRET_HEADERS)
    expect(keys.seen).toHaveLength(1)
    expect(keys.seen[0]?.headers.authorization).toBeUndefined()
    expect(keys.seen[0]?.headers['x-api-key']).toBeUndefined()
  })

  it('discovery: a jwks_uri on the issuer origin gets them', async () => {
    const issuer = await recorder((path, self) =>
      path.startsWith('/.well-known/')
        ? { status: 200, body: { issuer: self, jwks_uri: `${self}/keys` } }
        : { status: 200, body: as.jwks() },
    )
    const guard = createGuard({ issuer: issuer.url, audience: as.audience, fetchHeaders: SECRET_HEADERS })
    await guard.verify(await as.sign({ iss: issuer.url }))
    expect(issuer.seen.map((r) => r.path)).toEqual(['/.well-known/oauth-authorization-server', '/keys'])
    for (const request of issuer.seen) expect(request.headers).toMatchObject(SECRET_HEADERS)
  })
})

// Curve orders (SEC 2) and the Ed25519 group order (RFC 8032 §5.1).
const ORDERS = {
  ES256: BigInt('0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551'),
  ES384: BigInt('0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973'),
  ES512: BigInt(
    '0x01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFA51868783BF2F966B7FCC0148F709A5D03BB5C9B8899C47AEBB6FB71E91386409',
  ),
} as const
const ED25519_L = 2n ** 252n + 27742317777372353535851937790883648493n

const toBig = (bytes: Uint8Array): bigint => BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`)
const toBytes = (value: bigint, length: number): Buffer => Buffer.from(value.toString(16).padStart(length * 2, '0'), 'hex')

describe('one token, how many spellings (SECURITY.md)', async () => {
  // Its own issuer: rotating keys here must not change the signer of the other tests.
  const as = await createTestIssuer()
  afterAll(() => as.close())
  const options = (): GuardOptions => ({ issuer: as.issuer, audience: as.audience, jwksUri: as.jwksUri })
  const joseVerdict = async (token: string): Promise<boolean> =>
    jwtVerify(token, createLocalJWKSet(as.jwks() as never), { issuer: as.issuer, audience: as.audience }).then(
      () => true,
      () => false,
    )

  it.each(['ES256', 'ES384', 'ES512'] as const)(
    '%s: (r, n - s) is a second valid signature of the same token; the guard and jose both accept it, so key deny-lists on jti',
    async (alg) => {
      const kid = await as.rotate({ alg, keepPrevious: true })
      const guard = createGuard(options())
      const token = await as.sign({ jti: `twin-${alg}` }, { alg, kid })
      const [h, p, s] = token.split('.') as [string, string, string]
      const signature = Buffer.from(s, 'base64url')
      const half = signature.length / 2
      const twinS = ORDERS[alg] - toBig(signature.subarray(half))
      const twin = `${h}.${p}.${Buffer.concat([signature.subarray(0, half), toBytes(twinS, half)]).toString('base64url')}`
      expect(twin).not.toBe(token)
      const a = await guard.verify(token)
      const b = await guard.verify(twin)
      expect(a.claims.jti).toBe(`twin-${alg}`)
      expect(b.claims.jti).toBe(a.claims.jti)
      expect(await joseVerdict(twin)).toBe(true)
    },
  )

  it('Ed25519: S + L (non-canonical S) is refused, so EdDSA tokens have one spelling', async () => {
    const kid = await as.rotate({ alg: 'Ed25519', keepPrevious: true })
    const guard = createGuard(options())
    const token = await as.sign({}, { alg: 'Ed25519', kid })
    const [h, p, s] = token.split('.') as [string, string, string]
    const signature = Buffer.from(s, 'base64url')
    const sLittle = Buffer.from(signature.subarray(32)).reverse()
    const bumped = toBytes(toBig(sLittle) + ED25519_L, 32).reverse()
    const twin = `${h}.${p}.${Buffer.concat([signature.subarray(0, 32), bumped]).toString('base64url')}`
    await expect(guard.verify(token)).resolves.toBeDefined()
    await expect(guard.verify(twin)).rejects.toMatchObject({ status: 401, description: 'invalid signature' })
  })

  it.each(['RS256', 'PS256'] as const)('%s: a signature with its leading zero byte removed is refused', async (alg) => {
    const kid = await as.rotate({ alg, keepPrevious: true })
    const guard = createGuard(options())
    for (let i = 0; i < 5000; i++) {
      const token = await as.sign({ jti: `z${i}` }, { alg, kid })
      const [h, p, s] = token.split('.') as [string, string, string]
      const signature = Buffer.from(s, 'base64url')
      if (signature[0] !== 0) continue
      await expect(guard.verify(token)).resolves.toBeDefined()
      const error = await rejection(guard.verify(`${h}.${p}.${signature.subarray(1).toString('base64url')}`))
      expect(error.description).toBe('invalid signature')
      expect(error.cause).toMatchObject({ reason: 'signature_invalid', alg, kid, keysTried: 1, jwksUri: as.jwksUri })
      return
    }
    throw new Error('no signature with a leading zero byte in 5000 tries')
  })
})

describe('every rejection carries a structured cause', () => {
  const guard = createGuard(options({ tokenLocations: ['header', 'query'], realm: 'api' }))
  const reject = async (token: string): Promise<unknown> => (await rejection(guard.verify(token))).cause
  const fromRequest = async (headers: Record<string, string>, url = '/'): Promise<unknown> =>
    (await rejection(guard.authenticate({ method: 'GET', url, headers }))).cause

  it('issuer, audience, algorithm, expiry, unknown key: expected vs actual, with the token alg/kid', async () => {
    const kid = as.kids[0]
    expect(await reject(await as.sign({ iss: `${as.issuer}/` }))).toEqual({
      reason: 'issuer_mismatch',
      alg: 'RS256',
      kid,
      expected: [as.issuer],
      actual: `${as.issuer}/`,
    })
    expect(await reject(await as.sign({ aud: ['https://other.example', 'x'] }))).toEqual({
      reason: 'audience_mismatch',
      alg: 'RS256',
      kid,
      expected: [as.audience],
      actual: ['https://other.example', 'x'],
    })
    const hs = `${Buffer.from(JSON.stringify({ alg: 'HS256', kid: 'k' })).toString('base64url')}.e30.c2ln`
    expect(await reject(hs)).toMatchObject({
      reason: 'algorithm_not_allowed',
      alg: 'HS256',
      kid: 'k',
      allowed: expect.arrayContaining(['RS256']),
    })
    const exp = Math.floor(Date.now() / 1000) - 100
    expect(await reject(await as.sign({ exp }))).toMatchObject({ reason: 'token_expired', alg: 'RS256', kid, exp, clockTolerance: 5 })
    expect(await reject(await as.sign({}, { header: { kid: 'nope' } }))).toEqual({
      reason: 'unknown_key',
      alg: 'RS256',
      kid: 'nope',
      jwksUri: as.jwksUri,
    })
  })

  it('request-level refusals name what was wrong', async () => {
    const token = await as.sign()
    expect(await fromRequest({})).toEqual({ reason: 'token_missing' })
    expect(await fromRequest({ authorization: 'Basic dXNlcjpwYXNz' })).toEqual({ reason: 'token_missing', scheme: 'Basic' })
    expect(await fromRequest({ authorization: 'Bearer' })).toEqual({ reason: 'token_empty', location: 'header' })
    expect(await fromRequest({ authorization: 'Bearer a b' })).toEqual({ reason: 'malformed_authorization_header' })
    expect(await fromRequest({ authorization: `Bearer ${token}` }, `/?access_token=${token}`)).toEqual({
      reason: 'token_in_several_places',
      locations: ['header', 'query'],
    })
  })

  it('structure and claims', async () => {
    expect(await reject('a.b')).toEqual({ reason: 'malformed_token', detail: 'not three dot-separated segments' })
    expect(await reject('x'.repeat(9000))).toEqual({ reason: 'token_too_large', length: 9000, limit: 8192 })
    expect(await reject(await as.sign({ sub: 42 as unknown as string }))).toMatchObject({
      reason: 'claim_invalid',
      claim: 'sub',
      actual: 42,
    })
    expect(await reject(await as.sign({ cnf: { jwk: {} } }))).toMatchObject({ reason: 'sender_constrained_token', methods: ['jwk'] })
    const strict = createGuard(options({ requiredClaims: ['tenant'] }))
    expect((await rejection(strict.verify(await as.sign()))).cause).toMatchObject({ reason: 'claim_missing', claim: 'tenant' })
  })

  it('scopes: required and granted', async () => {
    const check = guard.scopeCheck(['write:data'])
    const auth = await guard.verify(await as.sign({ scope: 'read:data' }))
    let caught: unknown
    try {
      check(auth)
    } catch (error) {
      caught = error
    }
    expect((caught as Error).cause).toMatchObject({
      reason: 'insufficient_scope',
      required: ['write:data'],
      granted: ['read:data'],
      mode: 'all',
    })
  })

  it('an outage: 503 whose cause names the failing URL and is not configuration', async () => {
    const down = createGuard(options({ jwksUri: 'http://127.0.0.1:9/jwks.json' }))
    const error = await rejection(down.verify(await as.sign()))
    expect(error.status).toBe(503)
    expect(error.cause).toMatchObject({
      reason: 'keys_unavailable',
      configuration: false,
      url: 'http://127.0.0.1:9/jwks.json',
      detail: 'request failed',
    })
    const reload = await rejection(down.reload())
    expect(reload.cause).toMatchObject({ reason: 'keys_unavailable', url: 'http://127.0.0.1:9/jwks.json' })
  })

  it('discovery naming another issuer: a 503 whose cause says configuration, with both values, also in onJwksFetch', async () => {
    const events: KeySetFetchEvent[] = []
    const metadata = await recorder((_path, self) => ({ status: 200, body: { issuer: `${self}/`, jwks_uri: `${self}/keys` } }))
    const guard = createGuard({ issuer: metadata.url, audience: as.audience, onJwksFetch: (event) => events.push(event) })
    const error = await rejection(guard.verify(await as.sign({ iss: metadata.url })))
    expect(error.status).toBe(503)
    expect(error.toJSON()).toEqual({ error: 'temporarily_unavailable', error_description: 'authorization keys temporarily unavailable' })
    const expected = {
      reason: 'discovery_issuer_mismatch',
      configuration: true,
      expected: metadata.url,
      actual: `${metadata.url}/`,
      url: `${metadata.url}/.well-known/oauth-authorization-server`,
    }
    expect(error.cause).toMatchObject(expected)
    expect(events).toMatchObject([{ ok: false, reason: 'initial', cause: expected }])
  })

  it('the cause is not enumerable: serialising the error (as frameworks do) does not include it', async () => {
    const error = await rejection(guard.verify(await as.sign({ iss: 'https://elsewhere.example' })))
    expect(isRejectionCause(error.cause)).toBe(true)
    expect(Object.keys(error)).not.toContain('cause')
    expect(JSON.stringify(error)).toBe('{"error":"invalid_token","error_description":"unexpected issuer"}')
    expect(error.headers['www-authenticate']).toBe('Bearer realm="api", error="invalid_token", error_description="unexpected issuer"')
  })

  it('REJECTION_REASONS lists every code once', () => {
    expect(new Set(REJECTION_REASONS).size).toBe(REJECTION_REASONS.length)
    expect(REJECTION_REASONS).toContain('discovery_issuer_mismatch')
  })
})
