/**
 * Regressions from the hot-path review: a cached AuthInfo must not be editable by one request for the next,
 * and a token must have exactly one accepted spelling.
 */
import { createGuard } from '@bearer-guard/core'
import { createTestIssuer } from '@bearer-guard/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { cached, expectInvalidToken } from './helpers.js'

describe('hot-path review regressions', async () => {
  const as = await createTestIssuer({ alg: 'RS256' })
  afterAll(() => as.close())
  const guard = createGuard({ issuer: as.issuer, audience: as.audience, jwksUri: as.jwksUri })

  it('mutable-cached-authinfo: scopes, claims and nested claims are frozen, so no request can widen the next one', async () => {
    const token = await as.sign({ realm_access: { roles: ['reader'] } }, { scope: 'read' })
    const auth = await cached(guard, token)
    expect(() => (auth.scopes as string[]).push('admin')).toThrow(TypeError)
    expect(() => {
      ;(auth.claims as Record<string, unknown>).scope = 'read admin'
    }).toThrow(TypeError)
    expect(() => (auth.claims.realm_access as { roles: string[] }).roles.push('admin')).toThrow(TypeError)
    const again = await guard.verify(token)
    expect(again).toBe(auth)
    expect(again.scopes).toEqual(['read'])
    expect(again.claims.realm_access).toEqual({ roles: ['reader'] })
  })

  it('non-canonical-base64url-signature: a signature whose last character has spare bits set is refused', async () => {
    const token = await as.sign()
    const signature = token.slice(token.lastIndexOf('.') + 1)
    // RS256-2048: 256 bytes = 342 characters, 4n + 2: the last character's low 4 bits encode nothing.
    expect(signature.length % 4).toBe(2)
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const last = alphabet.indexOf(signature.at(-1) as string)
    const twin = `${token.slice(0, -1)}${alphabet[last | 1]}`
    expect(Buffer.from(twin.slice(twin.lastIndexOf('.') + 1), 'base64url')).toEqual(Buffer.from(signature, 'base64url'))
    await expect(guard.verify(token)).resolves.toBeDefined()
    await expectInvalidToken(guard.verify(twin), 'invalid signature')
  })

  it('non-canonical-base64url-payload: a payload segment with spare bits set is malformed', async () => {
    // Pad a claim until the payload segment's length is not a multiple of 4, so its last character has spare bits.
    const payloadLength = (t: string): number => (t.split('.')[1] as string).length
    let token = await as.sign()
    for (let pad = 1; payloadLength(token) % 4 === 0 && pad < 4; pad++) token = await as.sign({ pad: 'x'.repeat(pad) })
    const [header, payload, signature] = token.split('.') as [string, string, string]
    expect(payload.length % 4).not.toBe(0)
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const last = alphabet.indexOf(payload.at(-1) as string)
    const twin = `${header}.${payload.slice(0, -1)}${alphabet[last | 1]}.${signature}`
    await expectInvalidToken(guard.verify(twin), 'malformed token')
  })
})
