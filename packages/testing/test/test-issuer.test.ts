/**
 * The test issuer, checked with an independent verifier (jose's own remote JWKS and jwtVerify) and plain
 * fetch, so the kit the other suites rely on is not tested with the code it tests.
 */
import { createTestIssuer, type TestIssuer } from '@bearer-guard/testing'
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import { afterAll, afterEach, describe, expect, it } from 'vitest'

const open: TestIssuer[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((issuer) => issuer.close()))
})

/** EC keys unless a test needs the default: RSA key generation is slow on a busy machine. */
async function issuer(options: Parameters<typeof createTestIssuer>[0] = {}): Promise<TestIssuer> {
  const created = await createTestIssuer({ alg: 'ES256', ...options })
  open.push(created)
  return created
}

const getJson = async (url: string) => (await fetch(url)).json() as Promise<Record<string, unknown>>

describe('endpoints', () => {
  it('listens on 127.0.0.1; the issuer is the origin by default', async () => {
    const as = await issuer()
    expect(as.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(as.issuer).toBe(as.origin)
    expect(as.jwksUri).toBe(`${as.origin}/jwks.json`)
    expect(as.audience).toBe('https://api.example.test')
  })

  it('serves RFC 8414 and OpenID metadata for a root issuer', async () => {
    const as = await issuer()
    for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
      expect(await getJson(`${as.origin}${path}`)).toEqual({
        issuer: as.issuer,
        jwks_uri: as.jwksUri,
        token_endpoint: `${as.origin}/token`,
        introspection_endpoint: as.introspectionEndpoint,
      })
    }
    expect(as.requests).toEqual({ jwks: 0, discovery: 2, total: 2 })
  })

  it('serves all three metadata locations for an issuer with a path', async () => {
    const as = await issuer({ issuerPath: '/tenant-a', audience: 'urn:api' })
    expect(as.issuer).toBe(`${as.origin}/tenant-a`)
    expect(as.audience).toBe('urn:api')
    for (const path of [
      '/.well-known/oauth-authorization-server/tenant-a',
      '/.well-known/openid-configuration/tenant-a',
      '/tenant-a/.well-known/openid-configuration',
    ]) {
      expect((await getJson(`${as.origin}${path}`)).issuer).toBe(as.issuer)
    }
    expect((await fetch(`${as.origin}/.well-known/oauth-authorization-server`)).status).toBe(404)
  })

  it('answers 404 elsewhere, counted only in total', async () => {
    const as = await issuer()
    const res = await fetch(`${as.origin}/nope`)
    expect(res.status).toBe(404)
    expect(await res.json()).toEqual({ error: 'not_found' })
    expect(as.requests).toEqual({ jwks: 0, discovery: 0, total: 1 })
  })

  it('the JWKS holds public keys only, with kid, alg and use', async () => {
    const as = await issuer()
    const doc = await getJson(as.jwksUri)
    expect(doc).toEqual(as.jwks())
    expect(doc.keys).toEqual([
      { kty: 'EC', crv: 'P-256', x: expect.any(String), y: expect.any(String), kid: as.kids[0], alg: 'ES256', use: 'sig' },
    ])
  })

  it('sends jwksCacheControl with the JWKS only', async () => {
    const as = await issuer({ jwksCacheControl: 'max-age=120' })
    expect((await fetch(as.jwksUri)).headers.get('cache-control')).toBe('max-age=120')
    expect((await fetch(`${as.origin}/.well-known/openid-configuration`)).headers.get('cache-control')).toBeNull()
  })

  it('setMetadataIssuer overrides the metadata issuer, undefined restores it', async () => {
    const as = await issuer()
    as.setMetadataIssuer('https://evil.example/')
    expect((await getJson(`${as.origin}/.well-known/openid-configuration`)).issuer).toBe('https://evil.example/')
    as.setMetadataIssuer(undefined)
    expect((await getJson(`${as.origin}/.well-known/openid-configuration`)).issuer).toBe(as.issuer)
  })
})

describe('minting', () => {
  it('signs access tokens an independent verifier accepts, with RFC 9068 defaults', async () => {
    const as = await issuer({ alg: undefined })
    const token = await as.sign({}, { scope: 'read write' })
    const { payload, protectedHeader } = await jwtVerify(token, createRemoteJWKSet(new URL(as.jwksUri)), {
      issuer: as.issuer,
      audience: as.audience,
      typ: 'at+jwt',
    })
    expect(protectedHeader).toEqual({ alg: 'RS256', typ: 'at+jwt', kid: as.kids[0] })
    expect(payload).toEqual({
      iss: as.issuer,
      aud: as.audience,
      sub: 'test-client',
      client_id: 'test-client',
      iat: expect.any(Number),
      exp: (payload.iat as number) + 3600,
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      scope: 'read write',
    })
    expect(Math.abs((payload.iat as number) - Date.now() / 1000)).toBeLessThan(5)
  })

  it('claims override the defaults; undefined removes one', async () => {
    const as = await issuer()
    const token = await as.sign({ sub: 'svc', aud: ['a', 'b'], tenant: 'acme', jti: undefined })
    const payload = decodePayload(token)
    expect(payload).toMatchObject({ sub: 'svc', aud: ['a', 'b'], tenant: 'acme' })
    expect('jti' in payload).toBe(false)
  })

  it('expiresIn: seconds, negative for expired, null for no exp', async () => {
    const as = await issuer()
    const expired = decodePayload(await as.sign({}, { expiresIn: -10 }))
    expect(expired.exp).toBe((expired.iat as number) - 10)
    expect('exp' in decodePayload(await as.sign({}, { expiresIn: null }))).toBe(false)
  })

  it('header: members added, overridden, or removed with undefined', async () => {
    const as = await issuer()
    expect(decodeProtectedHeader(await as.sign({}, { header: { typ: 'JWT', x: 1 } }))).toEqual({
      alg: 'ES256',
      typ: 'JWT',
      kid: as.kids[0],
      x: 1,
    })
    expect(decodeProtectedHeader(await as.sign({}, { header: { typ: undefined, kid: undefined } }))).toEqual({ alg: 'ES256' })
  })

  it.each(['PS384', 'ES512', 'EdDSA', 'Ed25519'] as const)(
    'alg %s: creates and publishes a key of that algorithm on first use',
    async (alg) => {
      const as = await issuer()
      const token = await as.sign({}, { alg })
      const header = decodeProtectedHeader(token)
      expect(header.alg).toBe(alg)
      expect(as.kids).toHaveLength(2)
      expect(as.kids).toContain(header.kid)
      await expect(jwtVerify(token, createRemoteJWKSet(new URL(as.jwksUri)), { algorithms: [alg] })).resolves.toBeDefined()
    },
  )

  it('kid: signs with that key; an unknown kid throws', async () => {
    const as = await issuer()
    const first = as.kids[0] as string
    await as.rotate()
    expect(decodeProtectedHeader(await as.sign()).kid).not.toBe(first)
    expect(decodeProtectedHeader(await as.sign({}, { kid: first })).kid).toBe(first)
    await expect(as.sign({}, { kid: 'nope' })).rejects.toThrow('test issuer: no key nope')
  })

  it('privateKey and publicJwk expose a key pair; publicJwk is a copy without private members', async () => {
    const as = await issuer()
    const kid = as.kids[0] as string
    const jwk = as.publicJwk(kid)
    expect(jwk).not.toHaveProperty('d')
    jwk.kid = 'changed'
    expect(as.publicJwk(kid).kid).toBe(kid)
    expect(as.privateKey(kid).type).toBe('private')
  })
})

describe('keys', () => {
  it('rotate adds a newest key, keeping the previous ones by default', async () => {
    const as = await issuer()
    const first = as.kids[0]
    const second = await as.rotate({ alg: 'EdDSA' })
    expect(as.kids).toEqual([first, second])
    expect(decodeProtectedHeader(await as.sign())).toMatchObject({ kid: second, alg: 'EdDSA' })
  })

  it('rotate keepPrevious: false unpublishes the old keys', async () => {
    const as = await issuer()
    const second = await as.rotate({ keepPrevious: false })
    expect(as.kids).toEqual([second])
    expect((await getJson(as.jwksUri)).keys).toHaveLength(1)
  })

  it('rotate publish: false mints with a key not yet listed, until publish(kid)', async () => {
    const as = await issuer()
    const hidden = await as.rotate({ publish: false })
    expect(as.kids).not.toContain(hidden)
    expect(decodeProtectedHeader(await as.sign({}, { kid: hidden })).kid).toBe(hidden)
    as.publish(hidden)
    expect(as.kids).toContain(hidden)
  })

  it('removeKey drops a key from the JWKS', async () => {
    const as = await issuer()
    const kid = as.kids[0] as string
    as.removeKey(kid)
    expect(await getJson(as.jwksUri)).toEqual({ keys: [] })
  })

  it('setExtraKeys appends raw entries, replacing earlier extras', async () => {
    const as = await issuer()
    as.setExtraKeys([{ kty: 'oct', k: 'AA' }, 'junk'])
    as.setExtraKeys([{ kty: 'oct', k: 'BB' }])
    const keys = (await getJson(as.jwksUri)).keys as unknown[]
    expect(keys).toHaveLength(2)
    expect(keys[1]).toEqual({ kty: 'oct', k: 'BB' })
  })
})

describe('failure modes', () => {
  it('down: the connection is reset', async () => {
    const as = await issuer()
    as.fail('down')
    await expect(fetch(as.jwksUri)).rejects.toThrow()
    expect(as.requests.jwks).toBe(1)
  })

  it('hang: no answer until the client gives up', async () => {
    const as = await issuer()
    as.fail('hang')
    await expect(fetch(as.jwksUri, { signal: AbortSignal.timeout(150) })).rejects.toThrow()
  })

  it('slow: answers after delayMs', async () => {
    const as = await issuer()
    as.fail('slow', { delayMs: 150 })
    const started = performance.now()
    const doc = await getJson(as.jwksUri)
    expect(performance.now() - started).toBeGreaterThanOrEqual(140)
    expect(doc.keys).toHaveLength(1)
  })

  it('http-500 and http-404', async () => {
    const as = await issuer()
    as.fail('http-500')
    const res = await fetch(as.jwksUri)
    expect(res.status).toBe(500)
    expect(await res.text()).toContain('secret-upstream-detail')
    as.fail('http-404')
    expect((await fetch(as.jwksUri)).status).toBe(404)
  })

  it('invalid-json: a truncated document', async () => {
    const as = await issuer()
    as.fail('invalid-json')
    const res = await fetch(as.jwksUri)
    expect(res.status).toBe(200)
    await expect(res.json()).rejects.toThrow()
  })

  it('oversized: an endless JSON-looking body', async () => {
    const as = await issuer()
    as.fail('oversized')
    const res = await fetch(as.jwksUri)
    expect(res.headers.get('content-length')).toBeNull()
    const reader = (res.body as ReadableStream<Uint8Array>).getReader()
    let total = 0
    while (total <= 2 * 1024 * 1024) {
      const { done, value } = await reader.read()
      if (done) throw new Error('the oversized body ended')
      total += value.byteLength
    }
    await reader.cancel()
    expect(total).toBeGreaterThan(2 * 1024 * 1024)
  })

  it('empty-keys: a valid JWKS without keys', async () => {
    const as = await issuer()
    as.fail('empty-keys')
    expect(await getJson(as.jwksUri)).toEqual({ keys: [] })
  })

  it('redirect: 302 to the given location', async () => {
    const as = await issuer()
    as.fail('redirect', { location: 'https://elsewhere.example/jwks' })
    const res = await fetch(as.jwksUri, { redirect: 'manual' })
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe('https://elsewhere.example/jwks')
  })

  it('discovery keeps working unless discovery: true, and ok restores everything', async () => {
    const as = await issuer()
    const metadata = `${as.origin}/.well-known/oauth-authorization-server`
    as.fail('http-500')
    expect((await fetch(metadata)).status).toBe(200)
    as.fail('http-500', { discovery: true })
    expect((await fetch(metadata)).status).toBe(500)
    expect((await fetch(as.jwksUri)).status).toBe(500)
    as.fail('ok')
    expect((await fetch(metadata)).status).toBe(200)
    expect((await fetch(as.jwksUri)).status).toBe(200)
  })
})

describe('counting and closing', () => {
  it('counts requests by endpoint, failed ones included, and resets', async () => {
    const as = await issuer()
    await fetch(as.jwksUri)
    await fetch(as.jwksUri)
    await fetch(`${as.origin}/.well-known/openid-configuration`)
    as.fail('http-500')
    await fetch(as.jwksUri)
    expect(as.requests).toEqual({ jwks: 3, discovery: 1, total: 4 })
    as.resetCounts()
    expect(as.requests).toEqual({ jwks: 0, discovery: 0, total: 0 })
  })

  it('requests is a snapshot, not a live object', async () => {
    const as = await issuer()
    const before = as.requests
    await fetch(as.jwksUri)
    expect(before.jwks).toBe(0)
    expect(as.requests.jwks).toBe(1)
  })

  it('close() returns promptly even with a hanging request, and the port stops answering', async () => {
    const as = await createTestIssuer({ alg: 'ES256' })
    as.fail('hang')
    const pending = fetch(as.jwksUri).catch((error: unknown) => error)
    await new Promise((resolve) => setTimeout(resolve, 50))
    await as.close()
    expect(await pending).toBeInstanceOf(Error)
    await expect(fetch(as.jwksUri)).rejects.toThrow()
  })
})

afterAll(async () => {
  await Promise.all(open.map((issuer) => issuer.close()))
})

function decodePayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString('utf8')) as Record<string, unknown>
}
