import { createGuard } from '@bearer-guard/core'
import { createTestIssuer } from '@bearer-guard/testing'
import { afterAll, describe, expect, it } from 'vitest'

// RFC 9449 §7.2 / RFC 8705 §3: a token bound to a key must not be accepted as a plain bearer token.
describe('sender-constrained tokens presented as Bearer', async () => {
  const as = await createTestIssuer()
  afterAll(() => as.close())
  const guard = createGuard({ issuer: as.issuer, audience: as.audience, jwksUri: as.jwksUri })

  it.each([
    ['DPoP-bound (cnf.jkt)', { jkt: '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I' }],
    ['mTLS-bound (cnf.x5t#S256)', { 'x5t#S256': 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2' }],
  ])('%s is refused with 401 invalid_token', async (_name, cnf) => {
    const token = await as.sign({ cnf })
    await expect(guard.verify(token)).rejects.toMatchObject({
      status: 401,
      code: 'invalid_token',
      description: 'sender-constrained token sent as bearer',
    })
  })

  it('a malformed cnf claim is refused', async () => {
    await expect(guard.verify(await as.sign({ cnf: 'x' }))).rejects.toMatchObject({ status: 401, description: 'invalid cnf claim' })
  })

  it('a cnf claim without a binding confirmation method passes', async () => {
    const auth = await guard.verify(await as.sign({ cnf: { kid: 'informational' } }))
    expect(auth.claims.cnf).toEqual({ kid: 'informational' })
  })
})
