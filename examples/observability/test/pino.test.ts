/**
 * The pino recipe with Fastify's own logger (a real pino instance writing to a stream): one structured
 * line per refused request with its reason and the token's unverified iss/client_id, never the token;
 * one line per JWKS failure.
 */
import { Writable } from 'node:stream'
import { createTestIssuer, type TestIssuer } from '@bearer-guard/testing'
import type { FastifyInstance } from 'fastify'
import pino from 'pino'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { logRejections } from '../dist/index.js'
import { get, type RunningApi, startFastifyApi } from './apps.js'

const lines: Array<Record<string, unknown>> = []
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line))
    done()
  },
})
const logger = pino({ level: 'info' }, sink)

let as: TestIssuer
let api: RunningApi & { app: FastifyInstance }
let recipe: { disable(): void }
beforeAll(async () => {
  as = await createTestIssuer({ alg: 'ES256' })
  api = await startFastifyApi({ issuer: as.issuer, audience: as.audience, logger })
  // The recipe logs through Fastify's logger, as an app would: logRejections(app.log).
  recipe = logRejections(api.app.log)
})
afterAll(async () => {
  recipe?.disable()
  await api?.close()
  await as?.close()
})

const events = () => lines.filter((line) => typeof line.event === 'string' && String(line.event).startsWith('bearer_guard.'))

it('one structured line per rejection: level, status, code, reason, unverified iss and client_id; never the token', async () => {
  const expired = await as.sign({ client_id: 'nightly-export' }, { expiresIn: -60 })
  const good = await as.sign({ client_id: 'reporting' }, { scope: 'read:reports' })
  expect(await get(`${api.url}/me`, good)).toBe(200)
  expect(await get(`${api.url}/me`, expired)).toBe(401)
  expect(await get(`${api.url}/me`)).toBe(401)
  expect(await get(`${api.url}/reports`, await as.sign({ client_id: 'reporting' }, { scope: 'other' }))).toBe(403)

  const logged = events()
  expect(logged.map(({ level, event, status, code, reason }) => ({ level, event, status, code, reason }))).toEqual([
    { level: 40, event: 'bearer_guard.rejected', status: 401, code: 'invalid_token', reason: 'token_expired' },
    { level: 30, event: 'bearer_guard.rejected', status: 401, code: null, reason: 'token_missing' },
    { level: 40, event: 'bearer_guard.scope_denied', status: 403, code: 'insufficient_scope', reason: undefined },
  ])
  expect(logged[0]?.unverified).toEqual({ iss: as.issuer, client_id: 'nightly-export' })
  expect(logged[0]?.msg).toBe('bearer token rejected: token_expired')
  expect(logged[2]).toMatchObject({ required: ['read:reports'], granted: ['other'], client_id: 'reporting' })
  const all = JSON.stringify(lines)
  for (const token of [expired, good]) expect(all).not.toContain(token.split('.')[2])
})

it('a JWKS outage is logged once per failed fetch, with the error', async () => {
  lines.length = 0
  const down = await createTestIssuer({ alg: 'ES256' })
  const outage = await startFastifyApi({ issuer: down.issuer, audience: down.audience })
  try {
    const token = await down.sign()
    down.fail('http-500')
    for (let i = 0; i < 3; i += 1) expect(await get(`${outage.url}/me`, token)).toBe(503)
    const failures = events().filter((line) => line.event === 'bearer_guard.jwks_failure')
    expect(failures).toHaveLength(1)
    expect(failures[0]).toMatchObject({ level: 50, issuer: down.issuer, jwks_uri: down.jwksUri, failures: 1, msg: 'JWKS fetch failed' })
    expect(failures[0]?.err).toMatchObject({ message: 'unexpected HTTP status 500' })
    expect(events().filter((line) => line.event === 'bearer_guard.rejected' && line.status === 503)).toHaveLength(3)
  } finally {
    await outage.close()
    await down.close()
  }
})
