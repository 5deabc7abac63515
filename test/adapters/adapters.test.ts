/** The shared table ({@link CASES}) against every adapter, without and with a realm. */
import { createTestIssuer, type TestIssuer } from '@bearer-guard/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADAPTERS } from './apps.js'
import { CASES, type CaseKit, expectedChallenge } from './cases.js'
import { type RequestHeaders, send } from './http.js'
import type { AppOptions, RunningApp } from './routes.js'

let issuer: TestIssuer
let stranger: TestIssuer
let down: TestIssuer

beforeAll(async () => {
  ;[issuer, stranger, down] = await Promise.all([createTestIssuer(), createTestIssuer(), createTestIssuer()])
  // Same audience and key type as the app's issuer: only the keys differ.
  down.fail('down')
})

afterAll(async () => {
  await Promise.all([issuer?.close(), stranger?.close(), down?.close()])
})

const appOptions = (from: TestIssuer, realm: string | undefined): AppOptions => ({
  issuer: from.issuer,
  jwksUri: from.jwksUri,
  audience: from.audience,
  realm,
})

describe.each(ADAPTERS)('$name', (adapter) => {
  describe.each([
    { label: 'no realm', realm: undefined },
    { label: 'with realm', realm: 'bearer-guard tests' },
  ])('$label', ({ realm }) => {
    let app: RunningApp
    let requests = 0

    beforeAll(async () => {
      app = await adapter.start(appOptions(issuer, realm))
      issuer.resetCounts()
    })
    afterAll(() => app?.close())

    it.each(CASES)('$name', async (testCase) => {
      const kit: CaseKit = { issuer: testCase.jwksDown ? down : issuer, stranger }
      const authorization = testCase.authorization === undefined ? undefined : await testCase.authorization(kit)
      const headers: RequestHeaders = authorization === undefined ? {} : { authorization }
      let res: Awaited<ReturnType<typeof send>>
      if (testCase.jwksDown) {
        // A fresh app, hence a fresh guard with a cold key cache, against the failing issuer.
        const cold = await adapter.start(appOptions(down, realm))
        try {
          res = await send(cold.url + testCase.path, { headers })
        } finally {
          await cold.close()
        }
      } else {
        res = await send(app.url + testCase.path, { headers })
        requests += 1
      }

      const { expect: want } = testCase
      expect(res.status).toBe(want.status)
      if (want.challenge === undefined) expect(res.headers['www-authenticate']).toBeUndefined()
      else expect(res.headers['www-authenticate']).toBe(expectedChallenge(want.challenge, realm))
      if (want.retryAfter) expect(res.headers['retry-after']).toMatch(/^[1-9]\d*$/)
      else expect(res.headers['retry-after']).toBeUndefined()
      if (want.body !== undefined) expect(res.json()).toEqual(want.body)
    })

    it('fetched the JWKS once for all requests: one guard per app, not per request', () => {
      expect(requests).toBeGreaterThan(20)
      expect(issuer.requests.jwks).toBe(1)
    })
  })
})
