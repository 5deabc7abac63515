import {
  BearerError,
  createGuard,
  InsufficientScopeError,
  InvalidRequestError,
  InvalidTokenError,
  MissingTokenError,
  requireScopes,
  ServiceUnavailableError,
} from '@bearer-guard/core'
import { createTestIssuer } from '@bearer-guard/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { rejection, thrown, unsigned } from './helpers.js'

describe('error classes', () => {
  it('MissingTokenError: 401, no error code, a bare Bearer challenge (RFC 6750 §3.1)', () => {
    const error = new MissingTokenError()
    expect(error.status).toBe(401)
    expect(error.statusCode).toBe(401)
    expect(error.code).toBeUndefined()
    expect(error.headers).toEqual({ 'www-authenticate': 'Bearer' })
    expect(error.toJSON()).toEqual({ error: 'unauthorized', error_description: 'bearer token required' })
  })

  it('MissingTokenError with a realm: only the realm', () => {
    expect(new MissingTokenError({ realm: 'api' }).headers['www-authenticate']).toBe('Bearer realm="api"')
  })

  it('InvalidRequestError: 400 invalid_request', () => {
    const error = new InvalidRequestError('malformed authorization header')
    expect(error.status).toBe(400)
    expect(error.code).toBe('invalid_request')
    expect(error.headers['www-authenticate']).toBe('Bearer error="invalid_request", error_description="malformed authorization header"')
    expect(error.toJSON()).toEqual({ error: 'invalid_request', error_description: 'malformed authorization header' })
  })

  it('InvalidTokenError: 401 invalid_token, keeps the cause server-side', () => {
    const cause = new Error('jose said: JWSSignatureVerificationFailed at /srv/app')
    const error = new InvalidTokenError('invalid signature', { cause })
    expect(error.status).toBe(401)
    expect(error.code).toBe('invalid_token')
    expect(error.cause).toBe(cause)
    expect(error.headers['www-authenticate']).toBe('Bearer error="invalid_token", error_description="invalid signature"')
    expect(JSON.stringify(error)).toBe('{"error":"invalid_token","error_description":"invalid signature"}')
  })

  it('InsufficientScopeError: 403 with the required scopes in the challenge', () => {
    const error = new InsufficientScopeError(['read:data', 'write:data'])
    expect(error.status).toBe(403)
    expect(error.code).toBe('insufficient_scope')
    expect(error.scope).toEqual(['read:data', 'write:data'])
    expect(error.headers['www-authenticate']).toBe(
      'Bearer error="insufficient_scope", error_description="insufficient scope", scope="read:data write:data"',
    )
  })

  it('ServiceUnavailableError: 503, Retry-After, no-store, no challenge', () => {
    const error = new ServiceUnavailableError(7, { cause: new Error('ECONNREFUSED 10.0.0.1:443') })
    expect(error.status).toBe(503)
    expect(error.code).toBeUndefined()
    expect(error.retryAfterSeconds).toBe(7)
    expect(error.headers).toEqual({ 'retry-after': '7', 'cache-control': 'no-store' })
    expect(error.toJSON()).toEqual({ error: 'temporarily_unavailable', error_description: 'authorization keys temporarily unavailable' })
    // A realm never adds a challenge to a 503: the client's credentials are not in question.
    expect(error.withChallengeContext({ realm: 'api' }).headers).toEqual({ 'retry-after': '7', 'cache-control': 'no-store' })
  })

  it('shapes errors for the frameworks: expose, name, instanceof, BearerError.is', () => {
    const error = new InvalidTokenError('token expired')
    expect(error.expose).toBe(true)
    expect(error.name).toBe('InvalidTokenError')
    expect(error).toBeInstanceOf(BearerError)
    expect(error).toBeInstanceOf(Error)
    expect(BearerError.is(error)).toBe(true)
    expect(BearerError.is(new Error('x'))).toBe(false)
    expect(BearerError.is({ status: 401, code: 'invalid_token' })).toBe(false)
    expect(BearerError.is(null)).toBe(false)
  })

  it('does not print internals in its stack', () => {
    const error = new InvalidTokenError('invalid signature')
    expect(error.stack ?? '').not.toMatch(/\bat\b.*\(/)
  })

  it('withChallengeContext adds realm and resource_metadata in RFC order', () => {
    const error = new InsufficientScopeError(['a']).withChallengeContext({
      realm: 'api',
      resourceMetadata: 'https://api.example/.well-known/oauth-protected-resource',
    })
    expect(error.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="insufficient scope", scope="a", ' +
        'resource_metadata="https://api.example/.well-known/oauth-protected-resource"',
    )
  })
})

describe('challenge escaping', () => {
  it('replaces ", \\, CR, LF, controls and non-ASCII so nothing can end the quoted-string or the header', () => {
    const error = new InvalidTokenError('a"b\\c\r\nSet-Cookie: x=1\u0000é€')
    const header = error.headers['www-authenticate'] ?? ''
    expect(header).toBe('Bearer error="invalid_token", error_description="a?b?c??Set-Cookie: x=1???"')
    expect(header).toMatch(/^[\x20-\x7E]+$/)
  })

  it('sanitizes scope values built by hand too', () => {
    const error = new InsufficientScopeError(['ok', 'bad"\r\n'])
    expect(error.headers['www-authenticate']).toBe(
      'Bearer error="insufficient_scope", error_description="insufficient scope", scope="ok bad???"',
    )
  })

  it('requireScopes refuses scope names that are not RFC 6749 scope-tokens, so they never reach a header', () => {
    const auth = { token: 't', header: { alg: 'RS256' }, claims: {}, scopes: [] }
    expect(() => requireScopes(auth, ['a b'])).toThrow(TypeError)
    expect(() => requireScopes(auth, ['a"b'])).toThrow(TypeError)
    expect(() => requireScopes(auth, ['é'])).toThrow(TypeError)
  })
})

describe('errors from a guard', async () => {
  const as = await createTestIssuer()
  afterAll(() => as.close())

  it('carries the guard realm and resource metadata on every 400/401/403 challenge', async () => {
    const guard = createGuard({
      issuer: as.issuer,
      audience: as.audience,
      jwksUri: as.jwksUri,
      realm: 'orders',
      resourceMetadata: 'https://api.example/.well-known/oauth-protected-resource',
    })
    const rm = 'resource_metadata="https://api.example/.well-known/oauth-protected-resource"'

    const missing = await rejection(guard.authenticate({ method: 'GET', url: '/', headers: {} }))
    expect(missing.headers['www-authenticate']).toBe(`Bearer realm="orders", ${rm}`)

    const bad = await rejection(guard.authenticate({ method: 'GET', url: '/', headers: { authorization: 'Bearer a b' } }))
    expect(bad.headers['www-authenticate']).toBe(
      `Bearer realm="orders", error="invalid_request", error_description="malformed authorization header", ${rm}`,
    )

    const invalid = await rejection(guard.verify('not-a-jwt'))
    expect(invalid.headers['www-authenticate']).toBe(
      `Bearer realm="orders", error="invalid_token", error_description="malformed token", ${rm}`,
    )

    const auth = await guard.verify(await as.sign({}, { scope: 'read' }))
    const scope = thrown(() => guard.scopeCheck(['write'])(auth))
    expect(scope.status).toBe(403)
    expect(scope.headers['www-authenticate']).toBe(
      `Bearer realm="orders", error="insufficient_scope", error_description="insufficient scope", scope="write", ${rm}`,
    )
  })

  it('guard.challenge completes an error made by the application', () => {
    const guard = createGuard({ issuer: as.issuer, audience: as.audience, jwksUri: as.jwksUri, realm: 'r' })
    const error = guard.challenge(new InsufficientScopeError(['admin']))
    expect(error.headers['www-authenticate']).toBe(
      'Bearer realm="r", error="insufficient_scope", error_description="insufficient scope", scope="admin"',
    )
  })

  it('nothing in a hostile token reaches the challenge', async () => {
    const guard = createGuard({ issuer: as.issuer, audience: as.audience, jwksUri: as.jwksUri })
    const hostile = unsigned({ alg: 'RS256\r\nX-Injected: 1', kid: '"\\' }, { iss: '"\r\n', scope: 'a"\r\nb' }, 'c2ln')
    const error = await rejection(guard.verify(hostile))
    expect(error.headers['www-authenticate']).toBe('Bearer error="invalid_token", error_description="algorithm not allowed"')
  })

  it('never answers with library messages: the reason stays in cause', async () => {
    const guard = createGuard({ issuer: as.issuer, audience: as.audience, jwksUri: as.jwksUri })
    const error = await rejection(guard.verify(`${unsigned({ alg: 'RS256' }, {})}`.replace(/\.$/, '.%%%')))
    expect(error.description).toBe('malformed token')
    const notJson = await rejection(guard.verify(`${Buffer.from('{oops').toString('base64url')}.e30.c2ln`))
    expect(notJson.description).toBe('malformed token')
    expect(notJson.cause).toEqual({ reason: 'malformed_token', detail: 'header is not JSON' })
    expect(notJson.headers['www-authenticate']).not.toMatch(/JSON|Unexpected|position/)
  })
})
