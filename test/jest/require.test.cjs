// A CommonJS Jest test file: Jest has its own module loader, which require()s ES modules only on
// Node.js 24.9 and later (with the same --experimental-vm-modules flag). On older versions this file
// checks that the failure is the one the testing README documents, so the README stays exact.
const [major, minor] = process.versions.node.split('.').map(Number)
const jestRequiresEsm = major > 24 || (major === 24 && minor >= 9)

test(`require('@bearer-guard/testing') ${jestRequiresEsm ? 'works' : 'is refused'} on Node.js ${process.versions.node}`, async () => {
  if (!jestRequiresEsm) {
    expect(() => require('@bearer-guard/testing')).toThrow(/Must use import to load ES Module/)
    return
  }
  const { createTestIssuer } = require('@bearer-guard/testing')
  const { createGuard } = require('@bearer-guard/core')
  const issuer = await createTestIssuer()
  try {
    const guard = createGuard({ issuer: issuer.issuer, audience: issuer.audience })
    const token = await issuer.sign({ client_id: 'jest-cjs' }, { scope: 'read:reports' })
    const auth = await guard.authenticate({ method: 'GET', url: '/', headers: { authorization: `Bearer ${token}` } })
    expect(auth.clientId).toBe('jest-cjs')
  } finally {
    await issuer.close()
  }
})
