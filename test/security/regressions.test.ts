/**
 * Regressions for the bugs this suite found in the core, one named test each (the corpus and the
 * differential test hold the same cases among the others). The third, cached-verification-outlives-key-
 * removal, needs a JWKS server that changes over time and lives in jwks-faults.test.ts.
 */
import { createGuard } from '@bearer-guard/core'
import { afterAll, describe, expect, it } from 'vitest'
import { b64u, craftRaw, segment } from './support/jws.js'
import { createReference } from './support/reference.js'
import { expectVerdict } from './support/verdict.js'
import { createWorld, outcome } from './support/world.js'

const world = await createWorld()
afterAll(() => world.close())
const guard = createGuard(world.options())
const jose = createReference(world.issuer.jwks() as Parameters<typeof createReference>[0], {
  issuer: world.issuer.issuer,
  audience: world.issuer.audience,
  nowSeconds: world.now,
  profile: {},
})
const MALFORMED = { status: 401, code: 'invalid_token', description: 'malformed token' } as const
const rs = world.keys.RS256

/** A segment whose length is 4n + 1: base64 that Node decodes by dropping the last character. */
function dangling(make: (pad: string) => unknown): string {
  let encoded = segment(make(''))
  for (let pad = 1; encoded.length % 4 !== 0; pad++) encoded = segment(make('x'.repeat(pad)))
  return `${encoded}Q`
}

describe('regression: lenient-base64url-segments', () => {
  it('a header or payload segment of length 4n + 1, properly signed, is malformed (jose refuses it too)', async () => {
    const header = craftRaw(
      dangling((pad) => ({ alg: 'RS256', kid: rs.kid, pad })),
      segment(world.claims()),
      'RS256',
      rs.key,
    )
    const payload = craftRaw(
      segment({ alg: 'RS256', kid: rs.kid }),
      dangling((pad) => world.claims({ pad })),
      'RS256',
      rs.key,
    )
    for (const token of [header, payload]) {
      expect(Buffer.from(token.split('.')[0] as string, 'base64url').length).toBeGreaterThan(0)
      expectVerdict(await outcome(guard.verify(token)), MALFORMED)
      expect((await jose(token)).ok).toBe(false)
    }
  })

  it('an ES384 signature with a dangling character no longer verifies', async () => {
    const token = world.token({ signer: world.keys.ES384 })
    const signature = token.split('.')[2] as string
    // The premise: 128 characters, and the lenient decoder yields the same 96 bytes with one more.
    expect(signature.length).toBe(128)
    expect(Buffer.from(`${signature}Q`, 'base64url').equals(Buffer.from(signature, 'base64url'))).toBe(true)
    expectVerdict(await outcome(guard.verify(`${token}Q`)), { status: 401, code: 'invalid_token', description: 'invalid signature' })
    expectVerdict(await outcome(guard.verify(token)), 'accept')
  })
})

describe('regression: lenient-utf8', () => {
  it('invalid UTF-8 in a signed header or payload is malformed, not read as U+FFFD (jose refuses it too)', async () => {
    const bad = Buffer.from([0xff, 0xfe])
    const header = craftRaw(
      b64u(Buffer.concat([Buffer.from(`{"alg":"RS256","kid":"${rs.kid}","x":"`), bad, Buffer.from('"}')])),
      segment(world.claims()),
      'RS256',
      rs.key,
    )
    const claims = JSON.stringify(world.claims())
    const payload = craftRaw(
      segment({ alg: 'RS256', kid: rs.kid }),
      b64u(Buffer.concat([Buffer.from(`${claims.slice(0, -1)},"name":"`), bad, Buffer.from('"}')])),
      'RS256',
      rs.key,
    )
    for (const token of [header, payload]) {
      expectVerdict(await outcome(guard.verify(token)), MALFORMED)
      expect((await jose(token)).ok).toBe(false)
    }
  })

  it('valid multi-byte UTF-8 is still accepted', async () => {
    expectVerdict(await outcome(guard.verify(world.token({ claims: { name: 'Zoë 日本 🙂' } }))), 'accept')
  })
})
