/** Option validation: every bad value throws a TypeError naming the option, at createGuard, with no I/O. */
import { createGuard, type GuardOptions, isGuard } from '@bearer-guard/core'
import { describe, expect, it } from 'vitest'

const base: GuardOptions = { issuer: 'https://as.example/', audience: 'https://api.example' }

/** Calls createGuard with `base` plus `extra`, bypassing the types as a JavaScript caller could. */
const make = (extra: Record<string, unknown>) => () => createGuard({ ...base, ...extra } as GuardOptions)

function expectOptionError(extra: Record<string, unknown>, option: string): void {
  let error: unknown
  try {
    make(extra)()
  } catch (caught) {
    error = caught
  }
  expect(error).toBeInstanceOf(TypeError)
  expect((error as Error).message).toContain(`"${option}"`)
}

describe('createGuard options', () => {
  it('a valid minimal configuration makes a guard', () => {
    const guard = createGuard(base)
    expect(isGuard(guard)).toBe(true)
    expect(isGuard({ verify() {} })).toBe(false)
    expect(Object.isFrozen(guard)).toBe(true)
    expect(guard.cacheSize).toBe(0)
  })

  it('options must be an object', () => {
    expect(() => createGuard(undefined as unknown as GuardOptions)).toThrow(new TypeError('createGuard: options must be an object'))
    expect(() => createGuard(null as unknown as GuardOptions)).toThrow(TypeError)
  })

  it.each([
    ['issuer', undefined],
    ['issuer', ''],
    ['issuer', []],
    ['issuer', [1]],
    ['issuer', ['https://as.example/', '']],
    ['issuer', 42],
    ['audience', undefined],
    ['audience', ''],
    ['audience', []],
    ['audience', [null]],
  ])('%s = %j', (option, value) => {
    expectOptionError({ [option]: value }, option)
  })

  it.each([[['none']], [['RS256', 'none']], [['rs256']], [['HS256']], [[]], ['RS256'], [[null]]])('algorithms = %j', (algorithms) => {
    expectOptionError({ algorithms }, 'algorithms')
  })

  it('"none" is named in the message as never allowed', () => {
    expect(make({ algorithms: ['none'] })).toThrow(
      'createGuard: "algorithms" contains unsupported algorithm "none" ("none" is never allowed)',
    )
  })

  it.each([
    [{ secret: 'x'.repeat(32), jwksUri: 'https://as.example/jwks' }],
    [{ secret: 42 }],
    [{ secret: null }],
    [{ secret: {} }],
    [{ secret: 'short' }],
    [{ secret: new Uint8Array(16) }],
  ])('secret: %j', (extra) => {
    expectOptionError(extra, 'secret')
  })

  it.each([
    [42],
    ['not a url'],
    ['ftp://as.example/jwks'],
    ['http://as.example/jwks'],
    ['http://10.0.0.1/jwks'],
    ['http://128.0.0.1/jwks'],
  ])('jwksUri = %j', (jwksUri) => {
    expect(make({ jwksUri })).toThrow(TypeError)
    expect(make({ jwksUri })).toThrow(/"jwksUri"/)
  })

  it.each(['http://127.0.0.1:8080/jwks', 'http://127.1.2.3/jwks', 'http://localhost/jwks', 'http://[::1]:9/jwks'])(
    'plain http on loopback is fine: %s',
    (jwksUri) => {
      expect(make({ jwksUri })).not.toThrow()
    },
  )

  it('a *.localhost name is not trusted to be loopback: plain http there needs allowInsecureHttp', () => {
    expect(make({ jwksUri: 'http://a.localhost/jwks' })).toThrow(/must use https/)
  })

  it('plain http off loopback needs allowInsecureHttp', () => {
    expect(make({ jwksUri: 'http://as.example/jwks', allowInsecureHttp: true })).not.toThrow()
    expect(make({ issuer: 'http://as.example/' })).toThrow(/"issuer" http:\/\/as\.example\/ \(used for discovery\) must use https/)
    expect(make({ issuer: 'http://as.example/', allowInsecureHttp: true })).not.toThrow()
    // With an explicit jwksUri the issuer is only compared, never fetched.
    expect(make({ issuer: 'http://as.example/', jwksUri: 'https://as.example/jwks' })).not.toThrow()
    // With a secret nothing is fetched at all.
    expect(make({ issuer: 'http://as.example/', secret: 'x'.repeat(32) })).not.toThrow()
  })

  it('a discovery issuer must be a URL', () => {
    expect(make({ issuer: 'as.example' })).toThrow(/"issuer" as\.example \(used for discovery\) is not a valid URL/)
    expect(make({ issuer: 'urn:as', jwksUri: 'https://as.example/jwks' })).not.toThrow()
  })

  it.each([
    ['clockTolerance', -1],
    ['clockTolerance', 301],
    ['clockTolerance', Number.NaN],
    ['clockTolerance', '5'],
    ['maxTokenAge', 0],
    ['maxTokenAge', Number.POSITIVE_INFINITY],
    ['maxTokenLength', 10],
    ['maxTokenLength', 2_000_000],
    ['timeoutDuration', 0],
    ['timeoutDuration', 120_001],
    ['cooldownDuration', -1],
    ['cacheMaxAge', 0],
    ['staleIfErrorDuration', -1],
    ['maxResponseSize', 100],
  ])('%s = %j', (option, value) => {
    expectOptionError({ [option]: value }, option)
  })

  it.each(['strict', 'honorCacheControl', 'followRedirects', 'allowInsecureHttp'])('%s must be a boolean', (option) => {
    expectOptionError({ [option]: 'true' }, option)
  })

  it.each([
    ['requiredClaims', []],
    ['requiredClaims', ['tenant', '']],
    ['scopeClaim', ''],
    ['scopeClaim', [1]],
  ])('%s = %j', (option, value) => {
    expectOptionError({ [option]: value }, option)
  })

  it.each(['validate', 'onJwksFetch', 'fetch', 'clock'])('%s must be a function', (option) => {
    expectOptionError({ [option]: 'nope' }, option)
  })

  it.each([
    ['tokenLocations', ['cookie']],
    ['tokenLocations', ['query']],
    ['tokenLocations', []],
    ['tokenLocations', 'header'],
  ])('%s = %j', (option, value) => {
    expectOptionError({ [option]: value }, option)
  })

  it.each([
    ['realm', 'a"b'],
    ['realm', 'a\\b'],
    ['realm', 'a\r\nb'],
    ['realm', 'é'],
    ['realm', 5],
    ['resourceMetadata', 'https://api.example/\n'],
  ])('%s = %j', (option, value) => {
    expectOptionError({ [option]: value }, option)
  })

  it.each([
    ['tokenCache', true],
    ['tokenCache', null],
    ['tokenCache.maxEntries', { maxEntries: 0 }],
    ['tokenCache.maxEntries', { maxEntries: '10' }],
  ])('%s: %j', (option, value) => {
    expectOptionError({ tokenCache: value }, option)
  })

  it.each([['a string'], [null], [['x-a', 'b']], [{ 'x-api-key': 1 }]])('fetchHeaders = %j', (fetchHeaders) => {
    expectOptionError({ fetchHeaders }, 'fetchHeaders')
  })

  it('accepts every option at a sane value', () => {
    expect(
      make({
        issuer: ['https://as.example/', 'https://as2.example/'],
        audience: ['https://api.example', 'api://default'],
        jwksUri: 'https://as.example/jwks',
        algorithms: ['RS256', 'ES256'],
        clockTolerance: 0,
        maxTokenAge: 3600,
        requiredClaims: ['tenant'],
        strict: true,
        scopeClaim: ['scope', 'realm_access.roles'],
        validate: () => true,
        realm: 'api',
        resourceMetadata: 'https://api.example/.well-known/oauth-protected-resource',
        tokenLocations: ['header', 'query', 'body'],
        maxTokenLength: 4096,
        timeoutDuration: 1000,
        cooldownDuration: 100,
        cacheMaxAge: 60_000,
        honorCacheControl: false,
        staleIfErrorDuration: 0,
        maxResponseSize: 4096,
        followRedirects: true,
        allowInsecureHttp: false,
        fetch: globalThis.fetch,
        fetchHeaders: { 'user-agent': 'test' },
        tokenCache: { maxEntries: 10 },
        ignoredConfirmationMethods: ['kid'],
        onJwksFetch: () => {},
        clock: Date.now,
      }),
    ).not.toThrow()
  })

  // A misspelt option in plain JavaScript is not silently an option left at its default (issue 9).
  it.each([
    ['jwksURI', 'jwksUri'],
    ['jwks_uri', 'jwksUri'],
    ['jwksUrl', 'jwksUri'],
    ['issuerBaseURL', 'issuer'],
    ['audiance', 'audience'],
    ['algorithm', 'algorithms'],
    ['clocktolerance', 'clockTolerance'],
    ['cooldownDurration', 'cooldownDuration'],
    ['requireClaims', 'requiredClaims'],
    ['scopeClaims', 'scopeClaim'],
    ['validator', 'validate'],
    ['tokenLocation', 'tokenLocations'],
    ['followRedirect', 'followRedirects'],
    ['fetchHeader', 'fetchHeaders'],
    ['tokencache', 'tokenCache'],
  ])('unknown option %s throws, suggesting %s', (typo, known) => {
    expect(make({ jwksUri: 'https://as.example/jwks', [typo]: 'x' })).toThrow(
      new TypeError(`createGuard: unknown option "${typo}" (did you mean "${known}"?)`),
    )
  })

  it('an unknown option far from every known one throws without a suggestion, even when undefined', () => {
    expect(make({ databaseConnection: 'x' })).toThrow(new TypeError('createGuard: unknown option "databaseConnection"'))
    expect(make({ jwksURI: undefined })).toThrow(/unknown option "jwksURI"/)
  })

  it('the misspelt jwksURI does not fall back to discovery: no guard is made at all', () => {
    let made = false
    try {
      createGuard({
        issuer: 'https://as.example/',
        audience: 'https://api.example',
        jwksURI: 'https://as.example/jwks',
      } as unknown as GuardOptions)
      made = true
    } catch {}
    expect(made).toBe(false)
  })

  it('unknown keys inside tokenCache throw too', () => {
    expect(make({ tokenCache: { maxEntry: 10 } })).toThrow(
      new TypeError('createGuard: unknown option "tokenCache.maxEntry" (did you mean "tokenCache.maxEntries"?)'),
    )
    expect(make({ tokenCache: [] })).toThrow(/"tokenCache"/)
  })

  // Values that would turn a protection off are refused, not clamped: the mistake surfaces at startup.
  it.each([
    ['cooldownDuration', 0],
    ['cooldownDuration', 99],
    ['cooldownDuration', Number.POSITIVE_INFINITY],
    ['cacheMaxAge', 1],
    ['cacheMaxAge', 999],
    ['timeoutDuration', Number.POSITIVE_INFINITY],
    ['timeoutDuration', Number.NaN],
    ['maxResponseSize', Number.POSITIVE_INFINITY],
    ['maxResponseSize', 64 * 1_048_576 + 1],
    ['maxTokenLength', Number.POSITIVE_INFINITY],
    ['staleIfErrorDuration', Number.POSITIVE_INFINITY],
    ['staleIfErrorDuration', 7 * 86_400_000 + 1],
    ['clockTolerance', Number.POSITIVE_INFINITY],
    ['clockTolerance', 301],
    ['maxTokenAge', 0],
    ['maxTokenAge', Number.POSITIVE_INFINITY],
  ])('%s = %s is refused', (option, value) => {
    expectOptionError({ [option]: value }, option)
  })

  it.each([[{ maxEntries: 1_000_001 }], [{ maxEntries: Number.POSITIVE_INFINITY }], [{ maxEntries: 1.5 }]])(
    'tokenCache = %j is refused (the bound is the memory protection)',
    (tokenCache) => {
      expectOptionError({ tokenCache }, 'tokenCache.maxEntries')
    },
  )

  it.each([[['jkt']], [['x5t#S256']], ['jwk'], [['']], [[1]]])('ignoredConfirmationMethods = %j is refused', (value) => {
    expectOptionError({ ignoredConfirmationMethods: value }, 'ignoredConfirmationMethods')
  })

  it('the smallest accepted values keep each protection on', () => {
    expect(make({ cooldownDuration: 100, cacheMaxAge: 1000, tokenCache: { maxEntries: 1_000_000 } })).not.toThrow()
  })
})
