/**
 * Configuration that would open a hole is refused when the guard is created, not discovered per request:
 * plain-HTTP key sources off loopback (the client-credentials flow's "always use TLS"), symmetric
 * algorithms without a secret, `none`, short secrets. A discovered `jwks_uri` gets the same check.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createGuard, type GuardOptions } from '@bearer-guard/core'
import { createTestIssuer } from '@bearer-guard/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { bearer, outcome } from './support/world.js'

const base = { audience: 'https://api.example.test' }

describe('transport security at createGuard', () => {
  const refused = [
    ['issuer (discovery) over http', { issuer: 'http://auth.example.com' }],
    ['jwksUri over http', { issuer: 'https://auth.example.com', jwksUri: 'http://auth.example.com/jwks.json' }],
    ['private address is not loopback', { issuer: 'http://10.0.0.1' }],
    ['a name that merely starts with localhost', { issuer: 'http://localhost.attacker.example' }],
    ['a name that embeds 127.0.0.1', { issuer: 'http://127.0.0.1.nip.io' }],
    ['IPv4-mapped IPv6 loopback is not on the list', { issuer: 'http://[::ffff:127.0.0.1]' }],
    ['ftp scheme', { issuer: 'https://auth.example.com', jwksUri: 'ftp://auth.example.com/jwks.json' }],
    ['file scheme', { issuer: 'https://auth.example.com', jwksUri: 'file:///etc/jwks.json' }],
    ['not a URL', { issuer: 'https://auth.example.com', jwksUri: 'jwks.json' }],
  ] as const
  it.each(refused)('refuses %s', (_name, options) => {
    expect(() => createGuard({ ...base, ...options })).toThrow(TypeError)
  })

  const accepted = [
    ['https', { issuer: 'https://auth.example.com' }],
    ['http on 127.0.0.1', { issuer: 'http://127.0.0.1:8080' }],
    ['http on 127.x.y.z', { issuer: 'http://127.4.5.6' }],
    ['http on localhost', { issuer: 'http://localhost:3000' }],
    ['http on [::1]', { issuer: 'http://[::1]:3000' }],
    ['http jwksUri on loopback', { issuer: 'https://auth.example.com', jwksUri: 'http://127.0.0.1:9/jwks.json' }],
    ['http anywhere with allowInsecureHttp', { issuer: 'http://auth.example.com', allowInsecureHttp: true }],
    ['http jwksUri with allowInsecureHttp', { issuer: 'https://a.example', jwksUri: 'http://a.example/jwks', allowInsecureHttp: true }],
  ] as const
  it.each(accepted)('accepts %s', (_name, options) => {
    expect(() => createGuard({ ...base, ...options })).not.toThrow()
  })

  it('names the option in the error', () => {
    expect(() => createGuard({ ...base, issuer: 'http://auth.example.com' })).toThrow(/issuer.*https|https.*issuer/)
    expect(() => createGuard({ ...base, issuer: 'https://a.example', jwksUri: 'http://a.example/jwks' })).toThrow(/jwksUri/)
  })
})

describe('algorithm and secret configuration', () => {
  const jwks = { issuer: 'https://auth.example.com', ...base }
  const cases: Array<[string, GuardOptions]> = [
    ['"none" in algorithms', { ...jwks, algorithms: ['none' as 'RS256'] }],
    ['HS256 with a JWKS (key confusion)', { ...jwks, algorithms: ['HS256'] }],
    ['HS256 mixed with RS256 with a JWKS', { ...jwks, algorithms: ['RS256', 'HS256'] }],
    ['RS256 with a secret', { ...jwks, secret: 'x'.repeat(64), algorithms: ['RS256'] }],
    ['a secret shorter than HS256 needs', { ...jwks, secret: 'x'.repeat(31), algorithms: ['HS256'] }],
    ['a secret shorter than HS512 needs', { ...jwks, secret: 'x'.repeat(63), algorithms: ['HS512'] }],
    ['a secret and a jwksUri', { ...jwks, secret: 'x'.repeat(64), jwksUri: 'https://auth.example.com/jwks.json' }],
    ['an empty algorithm list', { ...jwks, algorithms: [] }],
    ['an unknown algorithm', { ...jwks, algorithms: ['ES256K' as 'RS256'] }],
  ]
  it.each(cases)('refuses %s', (_name, options) => {
    expect(() => createGuard(options)).toThrow(TypeError)
  })
})

describe('a discovered jwks_uri over plain http off loopback', () => {
  let server: Server
  let hits = 0
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

  it('is refused at request time (503), without fetching it', async () => {
    server = createServer((_req, res) => {
      hits += 1
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ issuer, jwks_uri: 'http://keys.attacker.example/jwks.json' }))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const signer = await createTestIssuer()
    try {
      const guard = createGuard({ issuer, ...base })
      const result = await outcome(guard.authenticate(bearer(await signer.sign({ iss: issuer, aud: base.audience }))))
      expect(result).toMatchObject({ ok: false, status: 503, description: 'authorization keys temporarily unavailable' })
      if (!result.ok)
        expect(result.error.cause).toMatchObject({
          reason: 'discovery_jwks_uri_refused',
          configuration: true,
          detail: 'discovered jwks_uri is not acceptable',
        })
      expect(hits).toBe(1)
    } finally {
      await signer.close()
    }
  })
})
