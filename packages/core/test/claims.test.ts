/**
 * Registered claims (RFC 7519 §4.1, RFC 9068 §2.2, §4) and the `validate` hook, on a controlled clock so
 * every time boundary is exact.
 */
import { createGuard, type GuardOptions, InsufficientScopeError } from '@bearer-guard/core'
import { createTestIssuer, type SignOptions } from '@bearer-guard/testing'
import type { JWTPayload } from 'jose'
import { afterAll, describe, expect, it } from 'vitest'
import { expectInvalidToken, fakeClock, rejection } from './helpers.js'

const as = await createTestIssuer()
afterAll(() => as.close())
const time = fakeClock()
const now = time.seconds()

const guardWith = (extra: Partial<GuardOptions> = {}) =>
  createGuard({ issuer: as.issuer, audience: as.audience, jwksUri: as.jwksUri, clock: time.clock, ...extra })
/** Signs with iat = now and exp = now + 1 h on the fake clock, unless overridden. */
const sign = (claims: JWTPayload = {}, options: SignOptions = {}) => as.sign({ iat: now, exp: now + 3600, ...claims }, options)

describe('exp (always required)', () => {
  const guard = guardWith()

  it('with the default 5 s tolerance: valid until exp + 5 s, exclusive', async () => {
    await expect(guard.verify(await sign({ exp: now - 4 }))).resolves.toMatchObject({ expiresAt: now - 4 })
    await expectInvalidToken(guard.verify(await sign({ exp: now - 5 })), 'token expired')
    await expectInvalidToken(guard.verify(await sign({ exp: now - 3600 })), 'token expired')
  })

  it('with no tolerance: now must be before exp (RFC 7519 §4.1.4)', async () => {
    const strictClock = guardWith({ clockTolerance: 0 })
    await expect(strictClock.verify(await sign({ exp: now + 1 }))).resolves.toBeDefined()
    await expectInvalidToken(strictClock.verify(await sign({ exp: now })), 'token expired')
  })

  it('handles fractional NumericDates', async () => {
    const g = guardWith({ clockTolerance: 0 })
    await expect(g.verify(await sign({ exp: now + 0.5 }))).resolves.toBeDefined()
    await expectInvalidToken(g.verify(await sign({ exp: now - 0.5 })), 'token expired')
  })

  it('a large tolerance is honoured', async () => {
    await expect(guardWith({ clockTolerance: 300 }).verify(await sign({ exp: now - 299 }))).resolves.toBeDefined()
    await expectInvalidToken(guardWith({ clockTolerance: 300 }).verify(await sign({ exp: now - 300 })), 'token expired')
  })

  it('is required', async () => {
    await expectInvalidToken(guard.verify(await sign({ exp: undefined }, { expiresIn: null })), 'missing required claim: exp')
  })

  it.each([
    ['a string', '9999999999'],
    ['null', null],
    ['a boolean', true],
    ['an array', [1]],
  ])('must be a number, not %s', async (_n, exp) => {
    await expectInvalidToken(guard.verify(await sign({ exp: exp as unknown as number })), 'invalid exp claim')
  })
})

describe('nbf', () => {
  it('is accepted up to the tolerance ahead, and refused beyond', async () => {
    const guard = guardWith()
    await expect(guard.verify(await sign({ nbf: now + 5 }))).resolves.toBeDefined()
    await expectInvalidToken(guard.verify(await sign({ nbf: now + 6 })), 'token not yet valid')
  })

  it('with no tolerance: now >= nbf', async () => {
    const guard = guardWith({ clockTolerance: 0 })
    await expect(guard.verify(await sign({ nbf: now }))).resolves.toBeDefined()
    await expectInvalidToken(guard.verify(await sign({ nbf: now + 1 })), 'token not yet valid')
  })

  it('must be a number', async () => {
    await expectInvalidToken(guardWith().verify(await sign({ nbf: 'soon' as unknown as number })), 'invalid nbf claim')
  })
})

describe('iat and maxTokenAge', () => {
  it('without maxTokenAge, iat is optional, but one in the future beyond the tolerance is refused (policy)', async () => {
    const guard = guardWith()
    await expect(guard.verify(await sign({ iat: undefined }))).resolves.toBeDefined()
    await expect(guard.verify(await sign({ iat: now + 5 }))).resolves.toBeDefined()
    const future = await expectInvalidToken(guard.verify(await sign({ iat: now + 6 })), 'token issued in the future')
    expect(future.cause).toMatchObject({ reason: 'token_issued_in_future', iat: now + 6, clockTolerance: 5, alg: 'RS256' })
    await expectInvalidToken(guard.verify(await sign({ iat: now + 86_400 })), 'token issued in the future')
    await expectInvalidToken(guard.verify(await sign({ iat: 'now' as unknown as number })), 'invalid iat claim')
  })

  it('maxTokenAge bounds the age since iat, with the tolerance', async () => {
    const guard = guardWith({ maxTokenAge: 60 })
    await expect(guard.verify(await sign({ iat: now - 65 }))).resolves.toBeDefined()
    await expectInvalidToken(guard.verify(await sign({ iat: now - 66 })), 'token too old')
  })

  it('maxTokenAge refuses tokens issued in the future beyond the tolerance', async () => {
    const guard = guardWith({ maxTokenAge: 60 })
    await expect(guard.verify(await sign({ iat: now + 5 }))).resolves.toBeDefined()
    await expectInvalidToken(guard.verify(await sign({ iat: now + 6 })), 'token issued in the future')
  })

  it('maxTokenAge makes iat required', async () => {
    await expectInvalidToken(guardWith({ maxTokenAge: 60 }).verify(await sign({ iat: undefined })), 'missing required claim: iat')
  })
})

describe('iss (exact match)', () => {
  it('a trailing slash or a case change is another issuer', async () => {
    const guard = guardWith()
    await expectInvalidToken(guard.verify(await sign({ iss: `${as.issuer}/` })), 'unexpected issuer')
    await expectInvalidToken(guard.verify(await sign({ iss: as.issuer.toUpperCase() })), 'unexpected issuer')
  })

  it('missing or not a string', async () => {
    const guard = guardWith()
    await expectInvalidToken(guard.verify(await sign({ iss: undefined })), 'unexpected issuer')
    await expectInvalidToken(guard.verify(await sign({ iss: 42 as unknown as string })), 'unexpected issuer')
  })

  it('any issuer of a configured list is accepted', async () => {
    const guard = guardWith({ issuer: ['https://other.example/', as.issuer] })
    await expect(guard.verify(await sign())).resolves.toMatchObject({ claims: { iss: as.issuer } })
  })

  it('with discovery, an unknown issuer is refused before any network request', async () => {
    as.resetCounts()
    const guard = createGuard({ issuer: as.issuer, audience: as.audience, clock: time.clock })
    await expectInvalidToken(guard.verify(await sign({ iss: 'https://evil.example/' })), 'unexpected issuer')
    expect(as.requests.total).toBe(0)
  })
})

describe('aud (any-of, RFC 7519 §4.1.3)', () => {
  const api = as.audience

  it('a string equal to one configured audience', async () => {
    await expect(guardWith({ audience: ['https://other.example', api] }).verify(await sign({ aud: api }))).resolves.toBeDefined()
  })

  it('an array containing one configured audience', async () => {
    await expect(guardWith().verify(await sign({ aud: ['https://x.example', api] }))).resolves.toBeDefined()
    await expect(
      guardWith({ audience: ['https://a.example', 'https://b.example'] }).verify(
        await sign({ aud: ['https://b.example', 'https://c.example'] }),
      ),
    ).resolves.toBeDefined()
  })

  it.each([
    ['another audience', 'https://other.example'],
    ['a case variant', api.toUpperCase()],
    ['an array without ours', ['https://x.example', 'https://y.example']],
    ['an empty array', []],
    ['an array with a non-string member', [api, 5]],
    ['a number', 5],
  ])('refuses %s', async (_name, aud) => {
    await expectInvalidToken(guardWith().verify(await sign({ aud: aud as string })), 'unexpected audience')
  })

  it('refuses a token without aud', async () => {
    await expectInvalidToken(guardWith().verify(await sign({ aud: undefined })), 'unexpected audience')
  })
})

describe('requiredClaims and claim types', () => {
  it('names the first missing claim', async () => {
    const guard = guardWith({ requiredClaims: ['tenant', 'sub'] })
    await expect(guard.verify(await sign({ tenant: 'acme' }))).resolves.toMatchObject({ claims: { tenant: 'acme' } })
    await expectInvalidToken(guard.verify(await sign()), 'missing required claim: tenant')
    await expectInvalidToken(guard.verify(await sign({ tenant: 'acme', sub: undefined })), 'missing required claim: sub')
  })

  it.each(['sub', 'jti', 'client_id', 'azp'])('%s must be a string when present', async (claim) => {
    await expectInvalidToken(guardWith().verify(await sign({ [claim]: 1 })), `invalid ${claim} claim`)
  })
})

describe('typ and the RFC 9068 strict profile', () => {
  it.each([undefined, 'JWT', 'jwt', 'application/jwt', 'at+jwt', 'application/at+jwt', 'AT+JWT'])(
    'compat mode accepts typ %j',
    async (typ) => {
      await expect(guardWith().verify(await sign({}, { header: { typ } }))).resolves.toBeDefined()
    },
  )

  it.each(['dpop+jwt', 'logout+jwt', 'secevent+jwt', 'JOSE', 'id_token'])('compat mode refuses other explicit types: %s', async (typ) => {
    await expectInvalidToken(guardWith().verify(await sign({}, { header: { typ } })), 'token type not allowed')
  })

  it('refuses a non-string typ', async () => {
    await expectInvalidToken(guardWith().verify(await sign({}, { header: { typ: 1 } })), 'token type not allowed')
  })

  const strict = guardWith({ strict: true })

  it.each(['at+jwt', 'application/at+jwt', 'AT+JWT', 'Application/At+JWT'])(
    'strict accepts typ %s (media type, case-insensitive)',
    async (typ) => {
      await expect(strict.verify(await sign({}, { header: { typ } }))).resolves.toBeDefined()
    },
  )

  it.each([undefined, 'JWT', 'application/jwt'])('strict refuses typ %j (an ID token is not an access token)', async (typ) => {
    await expectInvalidToken(strict.verify(await sign({}, { header: { typ } })), 'token type not allowed')
  })

  it.each(['sub', 'client_id', 'iat', 'jti'])('strict requires %s', async (claim) => {
    await expectInvalidToken(strict.verify(await sign({ [claim]: undefined })), `missing required claim: ${claim}`)
  })

  it('strict requires exp, iss and aud too', async () => {
    await expectInvalidToken(strict.verify(await sign({ exp: undefined }, { expiresIn: null })), 'missing required claim: exp')
    await expectInvalidToken(strict.verify(await sign({ iss: undefined })), 'missing required claim: iss')
    await expectInvalidToken(strict.verify(await sign({ aud: undefined })), 'missing required claim: aud')
  })
})

describe('AuthInfo', () => {
  it('exposes token, header, claims, scopes, clientId, subject and expiresAt, frozen', async () => {
    const token = await sign({ sub: 'svc-a', client_id: 'client-a', extra: { nested: [1] } }, { scope: 'read write' })
    const auth = await guardWith().verify(token)
    expect(auth).toEqual({
      token,
      header: { alg: 'RS256', typ: 'at+jwt', kid: as.kids[0] },
      claims: expect.objectContaining({ sub: 'svc-a', client_id: 'client-a', iss: as.issuer, extra: { nested: [1] } }),
      scopes: ['read', 'write'],
      clientId: 'client-a',
      subject: 'svc-a',
      expiresAt: now + 3600,
    })
    expect(Object.isFrozen(auth)).toBe(true)
  })

  it('clientId falls back to azp, and is absent with neither', async () => {
    const guard = guardWith()
    expect((await guard.verify(await sign({ client_id: undefined, azp: 'from-azp' }))).clientId).toBe('from-azp')
    expect((await guard.verify(await sign({ client_id: 'cid', azp: 'from-azp' }))).clientId).toBe('cid')
    const bare = await guard.verify(await sign({ client_id: undefined, sub: undefined }))
    expect('clientId' in bare).toBe(false)
    expect('subject' in bare).toBe(false)
  })
})

describe('validate hook', () => {
  it('passes the AuthInfo and accepts true, undefined or anything but false', async () => {
    const seen: string[] = []
    const guard = guardWith({
      validate: (auth) => {
        seen.push(auth.clientId ?? '')
        return auth.clientId === 'a' ? true : undefined
      },
    })
    await guard.verify(await sign({ client_id: 'a' }))
    await guard.verify(await sign({ client_id: 'b' }))
    expect(seen).toEqual(['a', 'b'])
  })

  it('returning false rejects with 401 token rejected', async () => {
    const guard = guardWith({ validate: (auth) => auth.claims.tenant === 'acme' })
    await expect(guard.verify(await sign({ tenant: 'acme' }))).resolves.toBeDefined()
    await expectInvalidToken(guard.verify(await sign({ tenant: 'evil' })), 'token rejected')
  })

  it('resolving false rejects too', async () => {
    const guard = guardWith({ validate: async (auth) => auth.claims.tenant === 'acme' })
    await expectInvalidToken(guard.verify(await sign({ tenant: 'evil' })), 'token rejected')
  })

  it('a thrown error becomes 401 token rejected, the error kept as cause, its message not sent', async () => {
    const boom = new Error('db lookup failed: password=hunter2')
    const guard = guardWith({
      validate: () => {
        throw boom
      },
    })
    const error = await expectInvalidToken(guard.verify(await sign()), 'token rejected')
    expect(error.cause).toMatchObject({ reason: 'validate_threw', error: boom })
    expect(JSON.stringify(error)).not.toContain('hunter2')
  })

  it('an async rejection becomes 401 token rejected', async () => {
    const guard = guardWith({ validate: () => Promise.reject(new Error('revoked')) })
    await expectInvalidToken(guard.verify(await sign()), 'token rejected')
  })

  it('a BearerError passes through, completed with the realm', async () => {
    const guard = guardWith({
      realm: 'api',
      validate: () => {
        throw new InsufficientScopeError(['admin'])
      },
    })
    const error = await rejection(guard.verify(await sign()))
    expect(error.status).toBe(403)
    expect(error.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="insufficient scope", scope="admin"',
    )
  })

  it('runs on every request, cache hits included', async () => {
    let calls = 0
    let allow = true
    const guard = guardWith({
      validate: () => {
        calls += 1
        return allow
      },
    })
    const token = await sign()
    await guard.verify(token)
    await guard.verify(token)
    expect(guard.cacheSize).toBe(1)
    expect(calls).toBe(2)
    allow = false
    await expectInvalidToken(guard.verify(token), 'token rejected')
    expect(calls).toBe(3)
  })

  it('is not called for a token that fails verification', async () => {
    let calls = 0
    const guard = guardWith({
      validate: () => {
        calls += 1
      },
    })
    await expectInvalidToken(guard.verify(await sign({ exp: now - 100 })), 'token expired')
    expect(calls).toBe(0)
  })
})
