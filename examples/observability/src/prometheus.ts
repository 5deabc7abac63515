/**
 * Prometheus recipe: the same series as the OpenTelemetry recipe, with `prom-client`, for a `/metrics`
 * endpoint. Label values are bounded: `outcome`, `reason`, `code`; never `iss` or `client_id`.
 *
 * - `bearer_guard_verification_duration_seconds` histogram, label `outcome`
 * - `bearer_guard_rejections_total` counter, labels `reason`, `code`
 * - `bearer_guard_jwks_fetches_total` counter, label `outcome` (`success`, `failure`, `stale`, `cooldown`)
 */
import dc from 'node:diagnostics_channel'
import { channels, type ScopeDeniedMessage, type VerificationMessage } from '@bearer-guard/core'
import { Counter, Histogram, type Registry } from 'prom-client'

export function registerBearerGuardMetrics(registry: Registry): { disable(): void } {
  const duration = new Histogram({
    name: 'bearer_guard_verification_duration_seconds',
    help: 'Time to verify a bearer token (cache hits included)',
    labelNames: ['outcome'] as const,
    buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [registry],
  })
  const rejections = new Counter({
    name: 'bearer_guard_rejections_total',
    help: 'Requests refused by bearer-guard, by reason',
    labelNames: ['reason', 'code'] as const,
    registers: [registry],
  })
  const jwksFetches = new Counter({
    name: 'bearer_guard_jwks_fetches_total',
    help: 'JWKS fetches and refusals to fetch, by outcome',
    labelNames: ['outcome'] as const,
    registers: [registry],
  })

  const started = new WeakMap<VerificationMessage, number>()
  const verification = dc.tracingChannel<unknown, VerificationMessage>(channels.verify)
  const subscribers = {
    start: (message: VerificationMessage) => started.set(message, performance.now()),
    end() {},
    asyncStart() {},
    error() {},
    asyncEnd(message: VerificationMessage) {
      const startedAt = started.get(message)
      if (startedAt === undefined) return
      const outcome = message.outcome ?? 'rejected'
      duration.observe({ outcome }, (performance.now() - startedAt) / 1000)
      if (outcome === 'rejected') {
        const code = message.code ?? (message.status === 503 ? 'temporarily_unavailable' : 'no_credentials')
        rejections.inc({ reason: message.reason ?? 'unknown', code })
      }
    },
  }
  verification.subscribe(subscribers)
  const onScopeDenied = (message: unknown) => {
    const { reason, code } = message as ScopeDeniedMessage
    rejections.inc({ reason, code })
  }
  const jwks: Array<[string, (message: unknown) => void]> = [
    [channels.jwksFetchSuccess, () => jwksFetches.inc({ outcome: 'success' })],
    [channels.jwksFetchFailure, () => jwksFetches.inc({ outcome: 'failure' })],
    [channels.jwksStale, () => jwksFetches.inc({ outcome: 'stale' })],
    [channels.jwksCooldown, () => jwksFetches.inc({ outcome: 'cooldown' })],
  ]
  dc.subscribe(channels.scopeDenied, onScopeDenied)
  for (const [name, fn] of jwks) dc.subscribe(name, fn)
  return {
    disable() {
      verification.unsubscribe(subscribers)
      dc.unsubscribe(channels.scopeDenied, onScopeDenied)
      for (const [name, fn] of jwks) dc.unsubscribe(name, fn)
    },
  }
}
