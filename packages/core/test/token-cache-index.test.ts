/**
 * The verified-token cache indexes entries by the tail of the token (its signature's last characters) and
 * matches the whole token on a hit. These pin that a token sharing another's tail never borrows its entry.
 */
import { createGuard } from '@bearer-guard/core'
import { createTestIssuer, type TestIssuer } from '@bearer-guard/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { cached, expectInvalidToken } from './helpers.js'

const open: TestIssuer[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((issuer) => issuer.close()))
})

/** `token` with its payload replaced, keeping the original signature: same tail, different token. */
function withPayload(token: string, claims: Record<string, unknown>): string {
  const [header, , signature] = token.split('.')
  return `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`
}

describe('verified-token cache index', () => {
  it('a forged token with a cached token’s signature is verified, and refused, not served from the cache', async () => {
    const as = await createTestIssuer({ alg: 'RS256' })
    open.push(as)
    const guard = createGuard({ issuer: as.issuer, audience: as.audience, jwksUri: as.jwksUri })
    const token = await as.sign({ scope: 'read' })
    const auth = await cached(guard, token)
    const forged = withPayload(token, { ...auth.claims, scope: 'read admin' })
    expect(forged.slice(-43)).toBe(token.slice(-43))
    await expectInvalidToken(guard.verify(forged), 'invalid signature')
    // The genuine token still hits, and its entry was not displaced by the forgery.
    expect(await guard.verify(token)).toBe(auth)
    expect(guard.cacheSize).toBe(1)
  })

  it('a forged token seen first does not block the genuine one', async () => {
    const as = await createTestIssuer({ alg: 'ES256' })
    open.push(as)
    const guard = createGuard({ issuer: as.issuer, audience: as.audience, jwksUri: as.jwksUri })
    const token = await as.sign()
    const forged = withPayload(token, { iss: as.issuer, aud: as.audience, sub: 'someone-else', exp: Math.floor(Date.now() / 1000) + 60 })
    await expectInvalidToken(guard.verify(forged), 'invalid signature')
    expect(guard.cacheSize).toBe(0)
    const auth = await cached(guard, token)
    expect(auth.subject).toBe('test-client')
    expect(await guard.verify(token)).toBe(auth)
  })
})
