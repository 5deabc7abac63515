/**
 * The OpenTelemetry recipe through a real Express API and a real issuer: the SDK's in-memory exporters
 * receive the spans and the three metrics the recipe promises, with bounded attributes only.
 */
import { createTestIssuer, type TestIssuer } from '@bearer-guard/testing'
import {
  AggregationTemporality,
  type DataPoint,
  type Histogram,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type BearerGuardInstrumentation, instrumentBearerGuard } from '../dist/index.js'
import { get, type RunningApi, startExpressApi } from './apps.js'

const spans = new InMemorySpanExporter()
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] })
const metrics = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
const reader = new PeriodicExportingMetricReader({ exporter: metrics, exportIntervalMillis: 3_600_000 })
const meterProvider = new MeterProvider({ readers: [reader] })

let as: TestIssuer
let api: RunningApi
let instrumentation: BearerGuardInstrumentation
beforeAll(async () => {
  instrumentation = instrumentBearerGuard({ tracer: tracerProvider.getTracer('test'), meter: meterProvider.getMeter('test') })
  as = await createTestIssuer({ alg: 'ES256' })
  api = await startExpressApi({ issuer: as.issuer, audience: as.audience })
})
afterAll(async () => {
  instrumentation?.disable()
  await api?.close()
  await as?.close()
  await meterProvider.shutdown()
})

async function collected(): Promise<Map<string, DataPoint<number | Histogram>[]>> {
  await reader.forceFlush()
  const out = new Map<string, DataPoint<number | Histogram>[]>()
  const last = metrics.getMetrics().at(-1)
  for (const scope of last?.scopeMetrics ?? []) {
    for (const metric of scope.metrics) out.set(metric.descriptor.name, metric.dataPoints as DataPoint<number | Histogram>[])
  }
  return out
}

it('spans, duration histogram, rejections by reason and JWKS fetches by outcome', async () => {
  const good = await as.sign({ client_id: 'reporting' }, { scope: 'read:reports' })
  const statuses = [
    await get(`${api.url}/me`, good),
    await get(`${api.url}/reports`, good),
    await get(`${api.url}/me`, await as.sign({ client_id: 'attacker-1' }, { expiresIn: -60 })),
    await get(`${api.url}/me`, await as.sign({ client_id: 'attacker-2', aud: 'https://elsewhere' })),
    await get(`${api.url}/me`),
    await get(`${api.url}/reports`, await as.sign({ client_id: 'reporting' }, { scope: 'other' })),
  ]
  expect(statuses).toEqual([200, 200, 401, 401, 401, 403])

  const finished = spans.getFinishedSpans()
  expect(finished).toHaveLength(6)
  expect(finished.every((s) => s.name === 'bearer-guard verify')).toBe(true)
  const byOutcome = finished.map((s) => [s.attributes['bearer_guard.outcome'], s.attributes['bearer_guard.reason'], s.status.code])
  expect(byOutcome).toEqual([
    ['accepted', undefined, 0],
    ['accepted', undefined, 0],
    ['rejected', 'token_expired', 2],
    ['rejected', 'audience_mismatch', 2],
    ['rejected', 'token_missing', 2],
    ['accepted', undefined, 0],
  ])
  expect(finished[0]?.attributes['bearer_guard.client_id']).toBe('reporting')
  expect(finished[2]?.attributes['bearer_guard.unverified.client_id']).toBe('attacker-1')

  const points = await collected()
  const histogram = points.get('bearer_guard.verification.duration') ?? []
  const counts = Object.fromEntries(histogram.map((p) => [p.attributes.outcome, (p.value as Histogram).count]))
  expect(counts).toEqual({ accepted: 3, rejected: 3 })
  const rejections = Object.fromEntries(
    (points.get('bearer_guard.rejections') ?? []).map((p) => [`${p.attributes.code}/${p.attributes.reason}`, p.value]),
  )
  expect(rejections).toEqual({
    'invalid_token/token_expired': 1,
    'invalid_token/audience_mismatch': 1,
    'no_credentials/token_missing': 1,
    'insufficient_scope/insufficient_scope': 1,
  })
  const fetches = (points.get('bearer_guard.jwks.fetches') ?? []).map((p) => [p.attributes.outcome, p.value])
  expect(fetches).toEqual([['success', 1]])

  // Attacker-controlled values never become metric attributes.
  for (const list of points.values()) {
    for (const point of list) expect(Object.keys(point.attributes).every((k) => ['outcome', 'reason', 'code'].includes(k))).toBe(true)
  }
})

it('a JWKS outage: failure and cooldown outcomes, 503 rejections by reason', async () => {
  const down = await createTestIssuer({ alg: 'ES256' })
  const outage = await startExpressApi({ issuer: down.issuer, audience: down.audience })
  try {
    const token = await down.sign()
    down.fail('http-500', { discovery: true })
    expect(await get(`${outage.url}/me`, token)).toBe(503)
    expect(await get(`${outage.url}/me`, token)).toBe(503)
    const points = await collected()
    const fetches = Object.fromEntries((points.get('bearer_guard.jwks.fetches') ?? []).map((p) => [p.attributes.outcome, p.value]))
    expect(fetches).toEqual({ success: 1, failure: 1, cooldown: 1 })
    const unavailable = (points.get('bearer_guard.rejections') ?? []).find((p) => p.attributes.code === 'temporarily_unavailable')
    expect(unavailable?.attributes.reason).toBe('keys_unavailable')
    expect(unavailable?.value).toBe(2)
  } finally {
    await outage.close()
    await down.close()
  }
})
