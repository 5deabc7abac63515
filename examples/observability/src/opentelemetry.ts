/**
 * OpenTelemetry recipe: spans and metrics from bearer-guard's diagnostics channels, through
 * `@opentelemetry/api` only (bring your own SDK and exporter).
 *
 * - Span `bearer-guard verify` per verification, child of the active span (the HTTP server span when an
 *   HTTP instrumentation runs), status ERROR on rejection, with the reason as an attribute.
 * - Histogram `bearer_guard.verification.duration` (seconds), attribute `outcome`.
 * - Counter `bearer_guard.rejections`, attributes `reason` and `code`.
 * - Counter `bearer_guard.jwks.fetches`, attribute `outcome` (`success`, `failure`, `stale`, `cooldown`).
 *
 * Metric attributes are bounded by construction: `iss` and `client_id` (attacker-controlled on rejections)
 * never become metric attributes. Spans carry them, marked unverified, because traces are per request.
 */
import dc from 'node:diagnostics_channel'
import { channels, type ScopeDeniedMessage, type VerificationMessage } from '@bearer-guard/core'
import { context, type Meter, type Span, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api'

export interface BearerGuardInstrumentation {
  /** Unsubscribes from every channel. */
  disable(): void
}

export function instrumentBearerGuard(options: { readonly tracer: Tracer; readonly meter: Meter }): BearerGuardInstrumentation {
  const { tracer, meter } = options
  const duration = meter.createHistogram('bearer_guard.verification.duration', {
    description: 'Time to verify a bearer token (cache hits included)',
    unit: 's',
  })
  const rejections = meter.createCounter('bearer_guard.rejections', { description: 'Requests refused by bearer-guard, by reason' })
  const jwksFetches = meter.createCounter('bearer_guard.jwks.fetches', { description: 'JWKS fetches and refusals to fetch, by outcome' })

  // One span and start time per trace; the message object is the same on every event of one trace.
  const inFlight = new WeakMap<VerificationMessage, { span: Span; startedAt: number }>()
  const verification = dc.tracingChannel<unknown, VerificationMessage>(channels.verify)
  const subscribers = {
    start(message: VerificationMessage) {
      const span = tracer.startSpan(
        'bearer-guard verify',
        { attributes: { 'bearer_guard.operation': message.operation } },
        context.active(),
      )
      inFlight.set(message, { span, startedAt: performance.now() })
    },
    end() {},
    asyncStart() {},
    error() {},
    asyncEnd(message: VerificationMessage) {
      const entry = inFlight.get(message)
      if (entry === undefined) return
      inFlight.delete(message)
      const outcome = message.outcome ?? 'rejected'
      duration.record((performance.now() - entry.startedAt) / 1000, { outcome })
      const { span } = entry
      span.setAttribute('bearer_guard.outcome', outcome)
      span.setAttribute('bearer_guard.cache_hit', message.cacheHit)
      if (outcome === 'rejected') {
        const reason = message.reason ?? 'unknown'
        const code = message.code ?? (message.status === 503 ? 'temporarily_unavailable' : 'no_credentials')
        rejections.add(1, { reason, code })
        span.setAttributes({ 'bearer_guard.reason': reason, 'bearer_guard.code': code, 'http.response.status_code': message.status ?? 401 })
        if (message.issuer !== undefined) span.setAttribute('bearer_guard.unverified.iss', message.issuer)
        if (message.clientId !== undefined) span.setAttribute('bearer_guard.unverified.client_id', message.clientId)
        span.setStatus({ code: SpanStatusCode.ERROR, message: reason })
      } else if (message.verified) {
        if (message.issuer !== undefined) span.setAttribute('bearer_guard.iss', message.issuer)
        if (message.clientId !== undefined) span.setAttribute('bearer_guard.client_id', message.clientId)
      }
      span.end()
    },
  }
  verification.subscribe(subscribers)

  const onScopeDenied = (message: unknown) => {
    const { reason, code } = message as ScopeDeniedMessage
    rejections.add(1, { reason, code })
    trace.getActiveSpan()?.addEvent('bearer-guard scope denied', { 'bearer_guard.reason': reason })
  }
  const jwks: Array<[string, (message: unknown) => void]> = [
    [channels.jwksFetchSuccess, () => jwksFetches.add(1, { outcome: 'success' })],
    [channels.jwksFetchFailure, () => jwksFetches.add(1, { outcome: 'failure' })],
    [channels.jwksStale, () => jwksFetches.add(1, { outcome: 'stale' })],
    [channels.jwksCooldown, () => jwksFetches.add(1, { outcome: 'cooldown' })],
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
