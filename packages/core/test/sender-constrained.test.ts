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

  // RFC 7800 §3.2-3.5 and any member we do not know: a key binding that is not checked here refuses the token.
  it.each([
    [
      'cnf.jwk',
      {
        jwk: {
          kty: 'EC',
          crv: 'P-256',
          x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
          y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
        },
      },
    ],
    ['cnf.jku', { jku: 'https://client.example/keys.json' }],
    ['cnf.kid', { kid: 'informational' }],
    ['cnf.jwe (encrypted key)', { jwe: 'eyJhbGciOiJSU0EtT0FFUCJ9.x.y.z.w' }],
    ['an unknown member', { 'x5t#S512': 'abc' }],
    ['a known and an unknown member', { kid: 'a', future: true }],
  ])('%s is refused unless ignoredConfirmationMethods lists it', async (_name, cnf) => {
    const token = await as.sign({ cnf })
    const error = await guard.verify(token).catch((e: unknown) => e)
    expect(error).toMatchObject({ status: 401, code: 'invalid_token', description: 'sender-constrained token sent as bearer' })
    expect((error as Error).cause).toMatchObject({ reason: 'sender_constrained_token', methods: Object.keys(cnf) })
    const lenient = createGuard({
      issuer: as.issuer,
      audience: as.audience,
      jwksUri: as.jwksUri,
      ignoredConfirmationMethods: Object.keys(cnf),
    })
    const auth = await lenient.verify(token)
    expect(auth.claims.cnf).toEqual(cnf)
  })

  it('ignoring one method does not ignore the others, and jkt / x5t#S256 can never be ignored', async () => {
    const lenient = createGuard({ issuer: as.issuer, audience: as.audience, jwksUri: as.jwksUri, ignoredConfirmationMethods: ['kid'] })
    await expect(lenient.verify(await as.sign({ cnf: { kid: 'a' } }))).resolves.toBeDefined()
    await expect(lenient.verify(await as.sign({ cnf: { kid: 'a', jku: 'https://c.example/k' } }))).rejects.toMatchObject({
      cause: { reason: 'sender_constrained_token', methods: ['jku'] },
    })
    await expect(lenient.verify(await as.sign({ cnf: { kid: 'a', jkt: 'x' } }))).rejects.toMatchObject({ status: 401 })
    for (const method of ['jkt', 'x5t#S256']) {
      expect(() =>
        createGuard({ issuer: as.issuer, audience: as.audience, jwksUri: as.jwksUri, ignoredConfirmationMethods: [method] }),
      ).toThrow(/"ignoredConfirmationMethods" cannot contain/)
    }
  })

  it('an empty cnf object binds nothing and passes', async () => {
    const auth = await guard.verify(await as.sign({ cnf: {} }))
    expect(auth.claims.cnf).toEqual({})
  })
})
