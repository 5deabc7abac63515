/**
 * The diagnostics channels seen through every real adapter: requests over HTTP, a subscriber on the
 * verification tracing channel and the scope channel, and the counts and payloads each request produces.
 */
import dc from 'node:diagnostics_channel'
import { channels, type ScopeDeniedMessage, type VerificationMessage } from '@bearer-guard/core'
import { createTestIssuer, type TestIssuer } from '@bearer-guard/testing'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ADAPTERS } from './apps.js'
import { send } from './http.js'

let issuer: TestIssuer
beforeAll(async () => {
  issuer = await createTestIssuer()
})
afterAll(() => issuer?.close())

const verifications: VerificationMessage[] = []
const denied: ScopeDeniedMessage[] = []
const tracing = dc.tracingChannel<unknown, VerificationMessage>(channels.verify)
const subscribers = {
  start() {},
  end() {},
  asyncStart() {},
  error() {},
  asyncEnd: (message: VerificationMessage) => {
    verifications.push({ ...message })
  },
}
const onDenied = (message: unknown) => denied.push(message as ScopeDeniedMessage)
beforeAll(() => {
  tracing.subscribe(subscribers)
  dc.subscribe(channels.scopeDenied, onDenied)
})
afterAll(() => {
  tracing.unsubscribe(subscribers)
  dc.unsubscribe(channels.scopeDenied, onDenied)
})
afterEach(() => {
  verifications.length = 0
  denied.length = 0
})

describe.each(ADAPTERS)('$name', (adapter) => {
  it('one trace per authenticated request, with outcome, reason and scope refusals', async () => {
    const app = await adapter.start({ issuer: issuer.issuer, jwksUri: issuer.jwksUri, audience: issuer.audience, realm: undefined })
    try {
      const good = await issuer.sign({ client_id: 'svc-1', scope: 'read:data' })
      const expired = await issuer.sign({ client_id: 'svc-2' }, { expiresIn: -60 })
      const statuses = [
        (await send(`${app.url}/me`, { headers: { authorization: `Bearer ${good}` } })).status,
        (await send(`${app.url}/me`, { headers: { authorization: `Bearer ${expired}` } })).status,
        (await send(`${app.url}/me`)).status,
        (await send(`${app.url}/optional`)).status,
        (await send(`${app.url}/all`, { headers: { authorization: `Bearer ${good}` } })).status,
        (await send(`${app.url}/public`)).status,
      ]
      expect(statuses).toEqual([200, 401, 401, 200, 403, 200])
      expect(verifications.map((m) => [m.outcome, m.status, m.code, m.reason, m.verified, m.clientId])).toEqual([
        ['accepted', undefined, undefined, undefined, true, 'svc-1'],
        ['rejected', 401, 'invalid_token', 'token_expired', false, 'svc-2'],
        ['rejected', 401, undefined, 'token_missing', false, undefined],
        ['anonymous', undefined, undefined, undefined, false, undefined],
        ['accepted', undefined, undefined, undefined, true, 'svc-1'],
      ])
      expect(denied).toEqual([
        {
          required: ['read:data', 'write:data'],
          mode: 'all',
          granted: ['read:data'],
          issuer: issuer.issuer,
          clientId: 'svc-1',
          code: 'insufficient_scope',
          reason: 'insufficient_scope',
        },
      ])
    } finally {
      await app.close()
    }
  })
})
