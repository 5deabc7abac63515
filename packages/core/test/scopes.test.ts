/**
 * Granted scopes (RFC 8693 §4.2 `scope`, `scp`, configurable claims and nested paths) and required
 * scopes (RFC 6750 §3.1: 403 `insufficient_scope` naming what the route needs).
 */
import { type AuthInfo, compileScopeCheck, createGuard, type GuardOptions, requireScopes } from '@bearer-guard/core'
import { createTestIssuer } from '@bearer-guard/testing'
import type { JWTPayload } from 'jose'
import { afterAll, describe, expect, it } from 'vitest'
import { expectInvalidToken, thrown } from './helpers.js'

const as = await createTestIssuer()
afterAll(() => as.close())

const guardWith = (extra: Partial<GuardOptions> = {}) =>
  createGuard({ issuer: as.issuer, audience: as.audience, jwksUri: as.jwksUri, ...extra })
const scopesOf = async (claims: JWTPayload, extra: Partial<GuardOptions> = {}) =>
  (await guardWith(extra).verify(await as.sign(claims))).scopes

describe('reading granted scopes', () => {
  it('scope: a space-delimited string, de-duplicated, in token order', async () => {
    expect(await scopesOf({ scope: 'read:data write:data read:data' })).toEqual(['read:data', 'write:data'])
  })

  it('scope: tolerates stray spaces', async () => {
    expect(await scopesOf({ scope: ' a  b ' })).toEqual(['a', 'b'])
    expect(await scopesOf({ scope: '' })).toEqual([])
  })

  it('scp: a string or an array', async () => {
    expect(await scopesOf({ scp: 'a b' })).toEqual(['a', 'b'])
    expect(await scopesOf({ scp: ['a', 'b', 'a'] })).toEqual(['a', 'b'])
  })

  it('scope and scp together are merged', async () => {
    expect(await scopesOf({ scope: 'a b', scp: ['b', 'c'] })).toEqual(['a', 'b', 'c'])
  })

  it('no scope claim: no scopes', async () => {
    expect(await scopesOf({})).toEqual([])
    expect(await scopesOf({ scope: null })).toEqual([])
  })

  it('a configured claim replaces the defaults (Auth0 permissions)', async () => {
    expect(await scopesOf({ scope: 'a', permissions: ['read:orders'] }, { scopeClaim: 'permissions' })).toEqual(['read:orders'])
    expect(await scopesOf({ scope: 'a', permissions: ['read:orders'] }, { scopeClaim: ['scope', 'permissions'] })).toEqual([
      'a',
      'read:orders',
    ])
  })

  it('a nested path (Keycloak realm_access.roles)', async () => {
    const claims = { realm_access: { roles: ['admin', 'user'] }, resource_access: { api: { roles: ['x'] } } }
    expect(await scopesOf(claims, { scopeClaim: 'realm_access.roles' })).toEqual(['admin', 'user'])
    expect(await scopesOf(claims, { scopeClaim: 'resource_access.api.roles' })).toEqual(['x'])
    expect(await scopesOf({ realm_access: {} }, { scopeClaim: 'realm_access.roles' })).toEqual([])
    expect(await scopesOf({ realm_access: ['roles'] }, { scopeClaim: 'realm_access.roles' })).toEqual([])
  })

  it('a top-level claim whose name contains a dot wins over the path', async () => {
    expect(
      await scopesOf({ 'realm_access.roles': 'flat', realm_access: { roles: ['nested'] } }, { scopeClaim: 'realm_access.roles' }),
    ).toEqual(['flat'])
  })

  it('does not walk the prototype chain', async () => {
    expect(await scopesOf({ scope: 'a' }, { scopeClaim: ['constructor.name', 'toString'] })).toEqual([])
  })

  it.each([
    ['a number', { scope: 42 }],
    ['an object', { scope: { read: true } }],
    ['a boolean', { scp: true }],
    ['an array with a non-string', { scp: ['a', 1] }],
    ['an array with null', { scp: ['a', null] }],
  ])('a scope claim of the wrong type makes the token invalid: %s', async (_name, claims) => {
    await expectInvalidToken(guardWith().verify(await as.sign(claims)), 'invalid scope claim')
  })

  it('a nested path with the wrong type is invalid too', async () => {
    // A string is a valid space-delimited list; a number is not.
    expect(await scopesOf({ realm_access: { roles: 'a b' } }, { scopeClaim: 'realm_access.roles' })).toEqual(['a', 'b'])
    await expectInvalidToken(
      guardWith({ scopeClaim: 'realm_access.roles' }).verify(await as.sign({ realm_access: { roles: 7 } })),
      'invalid scope claim',
    )
  })
})

describe('requiring scopes', () => {
  const auth = (scopes: string[]): AuthInfo => ({ token: 't', header: { alg: 'RS256' }, claims: {}, scopes })

  it('all (default): passes only when every scope is granted', () => {
    expect(() => requireScopes(auth(['read', 'write']), ['read', 'write'])).not.toThrow()
    const error = thrown(() => requireScopes(auth(['read']), ['read', 'write']))
    expect(error.status).toBe(403)
    expect(error.code).toBe('insufficient_scope')
    expect(error.scope).toEqual(['read', 'write'])
    expect(error.headers['www-authenticate']).toBe(
      'Bearer error="insufficient_scope", error_description="insufficient scope", scope="read write"',
    )
  })

  it('any: passes when one scope is granted, and names them all when none is', () => {
    expect(() => requireScopes(auth(['write']), ['read', 'write'], { mode: 'any' })).not.toThrow()
    const error = thrown(() => requireScopes(auth(['admin']), ['read', 'write'], { mode: 'any' }))
    expect(error.headers['www-authenticate']).toBe(
      'Bearer error="insufficient_scope", error_description="insufficient scope", scope="read write"',
    )
  })

  it('compares exactly: no prefix, case or wildcard matching', () => {
    for (const granted of [['READ'], ['read:data:all'], ['read:*'], ['rea']]) {
      expect(thrown(() => requireScopes(auth(granted), ['read'])).status).toBe(403)
    }
  })

  it('no scopes granted: 403', () => {
    expect(thrown(() => requireScopes(auth([]), ['read'])).status).toBe(403)
  })

  it('validates the requirement itself', () => {
    expect(() => requireScopes(auth([]), [])).toThrow(TypeError)
    expect(() => compileScopeCheck(['ok', ''])).toThrow(/invalid scope name ""/)
    expect(() => compileScopeCheck(['a b'])).toThrow(/invalid scope name "a b"/)
    expect(() => compileScopeCheck(['a\\b'])).toThrow(TypeError)
    expect(() => compileScopeCheck(['a'], 'some' as 'any')).toThrow(/mode must be "all" or "any"/)
    expect(() => compileScopeCheck('read' as unknown as string[])).toThrow(TypeError)
  })

  it('end to end: a verified token is checked by guard.scopeCheck with the realm', async () => {
    const guard = guardWith({ realm: 'orders' })
    const granted = await guard.verify(await as.sign({}, { scope: 'orders:read' }))
    const canRead = guard.scopeCheck(['orders:read'])
    const canWrite = guard.scopeCheck(['orders:write', 'orders:admin'], 'any')
    expect(() => canRead(granted)).not.toThrow()
    const error = thrown(() => canWrite(granted))
    expect(error.headers['www-authenticate']).toBe(
      'Bearer realm="orders", error="insufficient_scope", error_description="insufficient scope", scope="orders:write orders:admin"',
    )
  })

  it('scope requirements read the configured claim', async () => {
    const guard = guardWith({ scopeClaim: 'realm_access.roles' })
    const granted = await guard.verify(await as.sign({ scope: 'admin', realm_access: { roles: ['user'] } }))
    expect(() => requireScopes(granted, ['user'])).not.toThrow()
    expect(thrown(() => requireScopes(granted, ['admin'])).status).toBe(403)
  })
})
