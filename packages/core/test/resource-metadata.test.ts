/**
 * RFC 9728 protected resource metadata: the `protectedResource` option group, the document, the
 * well-known URL (§3.1), `resource_metadata` in challenges (§5.1), the resource as an audience (RFC 8707)
 * and the framework-neutral response every adapter writes.
 */

import {
  createGuard,
  type GuardOptions,
  InsufficientScopeError,
  MissingTokenError,
  respondToMetadataRequest,
  serveResourceMetadata,
} from '@bearer-guard/core'
import { createTestIssuer, type TestIssuer } from '@bearer-guard/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rejection } from './helpers.js'

const issuer = 'https://as.example/'
const make = (protectedResource: unknown, extra: Record<string, unknown> = {}) =>
  createGuard({ issuer, protectedResource, ...extra } as GuardOptions)

function optionError(protectedResource: unknown, extra: Record<string, unknown> = {}): string {
  try {
    make(protectedResource, extra)
  } catch (error) {
    expect(error).toBeInstanceOf(TypeError)
    return (error as Error).message
  }
  throw new Error('expected a TypeError')
}

describe('well-known URL derivation (RFC 9728 §3.1)', () => {
  it.each([
    ['https://api.example', 'https://api.example/.well-known/oauth-protected-resource'],
    ['https://api.example/', 'https://api.example/.well-known/oauth-protected-resource'],
    ['https://api.example/mcp', 'https://api.example/.well-known/oauth-protected-resource/mcp'],
    ['https://api.example/mcp/', 'https://api.example/.well-known/oauth-protected-resource/mcp/'],
    ['https://api.example/a/b', 'https://api.example/.well-known/oauth-protected-resource/a/b'],
    ['https://api.example:8443/mcp', 'https://api.example:8443/.well-known/oauth-protected-resource/mcp'],
    ['http://127.0.0.1:3000/mcp', 'http://127.0.0.1:3000/.well-known/oauth-protected-resource/mcp'],
  ])('%s publishes at %s', (resource, url) => {
    const guard = make({ resource })
    expect(guard.protectedResource?.metadata.url).toBe(url)
    expect(guard.protectedResource?.metadata.path).toBe(new URL(url).pathname)
    expect(guard.protectedResource?.resource).toBe(resource)
  })

  it.each([
    ['https://api.example/mcp?tenant=1', 'query'],
    ['https://api.example/mcp?', 'query'],
    ['https://api.example/mcp#frag', 'fragment'],
    ['https://api.example/mcp#', 'fragment'],
  ])('%s is refused at startup (%s)', (resource, what) => {
    expect(optionError({ resource })).toMatch(new RegExp(`"protectedResource.resource" must not have a ${what}`))
  })

  it.each([
    ['HTTPS://API.example/mcp', 'https://api.example/mcp'],
    ['https://api.example:443/mcp', 'https://api.example/mcp'],
    ['https://api.example/a/../mcp', 'https://api.example/mcp'],
    ['https://api.example/m cp', 'https://api.example/m%20cp'],
  ])('non-canonical %s is refused, naming %s', (resource, canonical) => {
    expect(optionError({ resource })).toContain(`must be in canonical form: "${canonical}"`)
  })

  it.each([
    [{ resource: 'http://api.example/mcp' }, 'must use https'],
    [{ resource: 'ftp://api.example/mcp' }, 'must be an https URL'],
    [{ resource: '/mcp' }, 'must be an absolute URL'],
    [{ resource: '' }, 'non-empty URL string'],
    [{ resource: 42 }, 'non-empty URL string'],
    [{ resource: 'https://user:pw@api.example/mcp' }, 'user credentials'],
    [{}, 'non-empty URL string'],
    ['https://api.example/mcp', 'must be an object'],
    [null, 'must be an object'],
  ])('bad resource %j is refused', (value, message) => {
    expect(optionError(value)).toContain(message)
  })

  it('plain http off loopback is allowed only with allowInsecureHttp', () => {
    const guard = make({ resource: 'http://api.internal/mcp' }, { allowInsecureHttp: true, jwksUri: 'http://api.internal/jwks' })
    expect(guard.protectedResource?.metadata.url).toBe('http://api.internal/.well-known/oauth-protected-resource/mcp')
  })
})

describe('the document (RFC 9728 §2)', () => {
  it('defaults: resource, authorization_servers from the issuers, bearer methods from the token locations', () => {
    const guard = createGuard({ issuer: [issuer, 'https://other.example'], protectedResource: { resource: 'https://api.example/mcp' } })
    expect(JSON.parse(guard.protectedResource?.json ?? '')).toEqual({
      resource: 'https://api.example/mcp',
      authorization_servers: [issuer, 'https://other.example'],
      bearer_methods_supported: ['header'],
    })
    expect(guard.protectedResource?.json).not.toContain('resource_signing_alg_values_supported')
    expect(Object.isFrozen(guard.protectedResource?.document)).toBe(true)
    expect(Object.isFrozen(guard.protectedResource?.document.authorization_servers)).toBe(true)
  })

  it('DPoP settings are advertised (RFC 9449 §11.7): the proof algorithms, and whether only bound tokens pass', () => {
    const resource = { resource: 'https://api.example/mcp' }
    expect(make(resource).protectedResource?.document).not.toHaveProperty('dpop_signing_alg_values_supported')
    const allowed = make(resource, { dpop: { algorithms: ['ES256', 'EdDSA'] } }).protectedResource?.document
    expect(allowed).toMatchObject({ dpop_signing_alg_values_supported: ['ES256', 'EdDSA'], dpop_bound_access_tokens_required: false })
    const required = make(resource, { dpop: { mode: 'required' } })
    expect(JSON.parse(required.protectedResource?.json ?? '')).toMatchObject({ dpop_bound_access_tokens_required: true })
    expect(required.protectedResource?.document.dpop_signing_alg_values_supported).toEqual(
      required.dpopMetadata?.dpop_signing_alg_values_supported,
    )
  })

  it('every field, camelCase in, snake_case out', () => {
    const guard = make(
      {
        resource: 'https://api.example/',
        authorizationServers: 'https://login.example/tenant',
        scopesSupported: ['mcp:tools', 'reports:write', 'mcp:tools'],
        resourceName: 'Reports MCP',
        resourceDocumentation: 'https://docs.example/mcp',
        resourcePolicyUri: 'https://api.example/policy',
        resourceTosUri: 'https://api.example/tos',
        maxAge: 60,
      },
      { tokenLocations: ['header', 'body', 'query'] },
    )
    expect(guard.protectedResource?.document).toEqual({
      resource: 'https://api.example/',
      authorization_servers: ['https://login.example/tenant'],
      bearer_methods_supported: ['header', 'body', 'query'],
      scopes_supported: ['mcp:tools', 'reports:write'],
      resource_name: 'Reports MCP',
      resource_documentation: 'https://docs.example/mcp',
      resource_policy_uri: 'https://api.example/policy',
      resource_tos_uri: 'https://api.example/tos',
    })
    expect(guard.protectedResource?.maxAgeSeconds).toBe(60)
  })

  it.each([
    [{ scopes_supported: ['a'] }, '"protectedResource.scopes_supported" is not a known option (did you mean "scopesSupported"?)'],
    [{ authorization_servers: ['https://as.example'] }, 'did you mean "authorizationServers"?'],
    [{ scope: 'a' }, '"protectedResource.scope" is not a known option'],
    [{ scopesSupported: 'a b' }, '"protectedResource.scopesSupported" must be an array of scope names'],
    [{ scopesSupported: ['a b'] }, 'must be an array of scope names'],
    [{ scopesSupported: ['a"'] }, 'must be an array of scope names'],
    [{ authorizationServers: [] }, '"protectedResource.authorizationServers" must be a non-empty'],
    [{ authorizationServers: ['https://as.example?x=1'] }, 'must not have a query or fragment'],
    [{ authorizationServers: ['http://as.example'] }, 'must use https'],
    [{ authorizationServers: [1] }, 'must contain URL strings only'],
    [{ resourceName: '' }, '"protectedResource.resourceName" must be a non-empty string'],
    [{ resourceDocumentation: 'docs' }, '"protectedResource.resourceDocumentation" must be an absolute URL'],
    [{ resourceTosUri: 'javascript:alert(1)' }, '"protectedResource.resourceTosUri" must be an http(s) URL'],
    [{ maxAge: -1 }, '"protectedResource.maxAge" must be a whole number'],
    [{ maxAge: 1.5 }, '"protectedResource.maxAge" must be a whole number'],
    [{ maxAge: '60' }, '"protectedResource.maxAge" must be a whole number'],
  ])('%j is refused at startup', (extra, message) => {
    expect(optionError({ resource: 'https://api.example/mcp', ...extra })).toContain(message)
  })
})

describe('audience and challenges', () => {
  let as: TestIssuer
  beforeAll(async () => {
    as = await createTestIssuer()
  })
  afterAll(async () => {
    await as.close()
  })

  it('audience may be omitted: the resource is the accepted audience (RFC 8707)', async () => {
    const guard = createGuard({ issuer: as.issuer, protectedResource: { resource: 'https://api.example/mcp' } })
    const auth = await guard.verify(await as.sign({ aud: 'https://api.example/mcp' }))
    expect(auth.claims.aud).toBe('https://api.example/mcp')
    const wrong = await rejection(guard.verify(await as.sign({ aud: 'https://api.example/other' })))
    expect(wrong.status).toBe(401)
    expect(wrong.headers['www-authenticate']).toBe(
      'Bearer error="invalid_token", error_description="unexpected audience", resource_metadata="https://api.example/.well-known/oauth-protected-resource/mcp"',
    )
  })

  it('audience and resource are both accepted when both are set', async () => {
    const guard = createGuard({ issuer: as.issuer, audience: 'api://legacy', protectedResource: { resource: 'https://api.example/mcp' } })
    await expect(guard.verify(await as.sign({ aud: 'api://legacy' }))).resolves.toBeDefined()
    await expect(guard.verify(await as.sign({ aud: 'https://api.example/mcp' }))).resolves.toBeDefined()
  })

  it('without audience or protectedResource the guard refuses to start', () => {
    expect(() => createGuard({ issuer } as GuardOptions)).toThrow('"audience" is required (or set protectedResource.resource')
  })

  it('every 401 and 403 carries resource_metadata; the deprecated resourceMetadata cannot be combined', async () => {
    const guard = make({ resource: 'https://api.example/mcp' }, { realm: 'mcp' })
    const url = 'https://api.example/.well-known/oauth-protected-resource/mcp'
    expect(guard.challenge(new MissingTokenError()).headers['www-authenticate']).toBe(`Bearer realm="mcp", resource_metadata="${url}"`)
    expect(guard.challenge(new InsufficientScopeError(['mcp:tools'])).headers['www-authenticate']).toBe(
      `Bearer realm="mcp", error="insufficient_scope", error_description="insufficient scope", scope="mcp:tools", resource_metadata="${url}"`,
    )
    const missing = await rejection(guard.authenticate({ method: 'GET', url: '/mcp', headers: {} }))
    expect(missing.headers['www-authenticate']).toContain(`resource_metadata="${url}"`)
    expect(optionError({ resource: 'https://api.example/mcp' }, { resourceMetadata: url })).toContain(
      '"resourceMetadata" cannot be combined with protectedResource',
    )
  })
})

describe('the response adapters write', () => {
  const guard = make({ resource: 'https://api.example/mcp', scopesSupported: ['mcp:tools'] })
  const resource = guard.protectedResource as NonNullable<typeof guard.protectedResource>
  const path = '/.well-known/oauth-protected-resource/mcp'

  it('GET: the JSON, cacheable, readable from any origin', () => {
    const response = respondToMetadataRequest(resource, 'GET', `${path}?x=1`)
    expect(response?.status).toBe(200)
    expect(response?.headers).toEqual({
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(resource.json)),
      'cache-control': 'public, max-age=3600',
      'access-control-allow-origin': '*',
      'x-content-type-options': 'nosniff',
    })
    expect(JSON.parse(response?.body ?? '')).toEqual(resource.document)
  })

  it('HEAD: the same answer (servers drop the body); OPTIONS: a CORS preflight answer; POST: 405', () => {
    const head = respondToMetadataRequest(resource, 'HEAD', path)
    expect(head?.status).toBe(200)
    expect(head?.body).toBe(resource.json)
    expect(head?.headers['content-length']).toBe(String(Buffer.byteLength(resource.json)))
    const preflight = respondToMetadataRequest(resource, 'options', path)
    expect(preflight?.status).toBe(204)
    expect(preflight?.headers['access-control-allow-methods']).toBe('GET, HEAD, OPTIONS')
    expect(preflight?.headers['access-control-allow-headers']).toBe('*')
    expect(respondToMetadataRequest(resource, 'POST', path)).toMatchObject({ status: 405, headers: { allow: 'GET, HEAD, OPTIONS' } })
  })

  it('other paths are not its business', () => {
    for (const target of ['/mcp', `${path}/`, '/.well-known/oauth-protected-resource', `${path}x`, 'http://evil/x', '*']) {
      expect(respondToMetadataRequest(resource, 'GET', target)).toBeUndefined()
    }
    expect(serveResourceMetadata(createGuard({ issuer, audience: 'a' }), 'GET', path)).toBeUndefined()
  })
})
