/**
 * The Prometheus recipe through a real Fastify API: `/metrics` (prom-client's text format) exposes the
 * same three series after real requests, with bounded labels only.
 */
import { createTestIssuer, type TestIssuer } from '@bearer-guard/testing'
import { Registry } from 'prom-client'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { registerBearerGuardMetrics } from '../dist/index.js'
import { get, type RunningApi, startFastifyApi } from './apps.js'

const registry = new Registry()
let as: TestIssuer
let api: RunningApi
let metrics: { disable(): void }
beforeAll(async () => {
  metrics = registerBearerGuardMetrics(registry)
  as = await createTestIssuer({ alg: 'ES256' })
  api = await startFastifyApi({ issuer: as.issuer, audience: as.audience, registry })
})
afterAll(async () => {
  metrics?.disable()
  await api?.close()
  await as?.close()
})

it('/metrics exposes verification duration, rejections by reason and JWKS fetches by outcome', async () => {
  const good = await as.sign({ client_id: 'reporting' }, { scope: 'read:reports' })
  const statuses = [
    await get(`${api.url}/me`, good),
    await get(`${api.url}/reports`, good),
    await get(`${api.url}/me`, await as.sign({ client_id: 'evil"} 1\nbearer_guard_rejections_total{reason="x' }, { expiresIn: -60 })),
    await get(`${api.url}/me`, await as.sign({ iss: 'https://attacker.example' })),
    await get(`${api.url}/me`),
    await get(`${api.url}/reports`, await as.sign({}, { scope: 'other' })),
  ]
  expect(statuses).toEqual([200, 200, 401, 401, 401, 403])

  const response = await fetch(`${api.url}/metrics`)
  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toContain('text/plain')
  const text = await response.text()
  const series = text.split('\n').filter((line) => line.startsWith('bearer_guard_'))
  expect(series).toContain('bearer_guard_verification_duration_seconds_count{outcome="accepted"} 3')
  expect(series).toContain('bearer_guard_verification_duration_seconds_count{outcome="rejected"} 3')
  expect(series).toContain('bearer_guard_verification_duration_seconds_bucket{le="+Inf",outcome="accepted"} 3')
  expect(series.filter((line) => line.startsWith('bearer_guard_rejections_total')).sort()).toEqual([
    'bearer_guard_rejections_total{reason="insufficient_scope",code="insufficient_scope"} 1',
    'bearer_guard_rejections_total{reason="issuer_mismatch",code="invalid_token"} 1',
    'bearer_guard_rejections_total{reason="token_expired",code="invalid_token"} 1',
    'bearer_guard_rejections_total{reason="token_missing",code="no_credentials"} 1',
  ])
  expect(series).toContain('bearer_guard_jwks_fetches_total{outcome="success"} 1')
  // Neither the attacker's iss nor its client_id (crafted to inject a series) reaches the exposition.
  expect(text).not.toContain('attacker.example')
  expect(text).not.toContain('evil')
})
