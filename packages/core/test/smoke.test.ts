import { createGuard } from '@bearer-guard/core'
import { createTestIssuer } from '@bearer-guard/testing'
import { afterAll, describe, expect, it } from 'vitest'

describe('smoke', async () => {
  const as = await createTestIssuer()
  afterAll(() => as.close())
  it('verifies a token from the test issuer via discovery', async () => {
    const guard = createGuard({ issuer: as.issuer, audience: as.audience })
    const token = await as.sign({}, { scope: 'read:data write:data' })
    const auth = await guard.verify(token)
    expect(auth.scopes).toEqual(['read:data', 'write:data'])
    expect(auth.clientId).toBe('test-client')
    expect(as.requests.discovery).toBeGreaterThanOrEqual(1)
    expect(as.requests.jwks).toBe(1)
    await expect(guard.verify(`${token}x`)).rejects.toMatchObject({ status: 401, code: 'invalid_token' })
  })
})
