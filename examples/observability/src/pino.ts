/**
 * Structured rejection logs with pino (Fastify's logger): one `warn` line per refused request with its
 * reason, and one line per JWKS failure, stale serving or discovery failure (`error`/`warn`), so an
 * outage shows up once per fetch attempt rather than once per request.
 *
 * Rejection lines carry the token's `iss` and `client_id` under `unverified` (never the token): useful
 * to find the misconfigured client, but attacker-controlled, so they are data in a log line, not labels.
 */
import dc from 'node:diagnostics_channel'
import {
  channels,
  type JwksFetchFailureMessage,
  type JwksStaleMessage,
  type MetadataFetchFailureMessage,
  type ScopeDeniedMessage,
  type VerificationMessage,
} from '@bearer-guard/core'

/** The part of a pino logger this recipe uses; Fastify's `app.log` and any pino instance fit. */
export interface RejectionLogger {
  info(fields: object, message: string): void
  warn(fields: object, message: string): void
  error(fields: object, message: string): void
}

export function logRejections(logger: RejectionLogger): { disable(): void } {
  const verification = dc.tracingChannel<unknown, VerificationMessage>(channels.verify)
  const subscribers = {
    start() {},
    end() {},
    asyncStart() {},
    asyncEnd() {},
    error(message: VerificationMessage) {
      // "No credentials" on a protected route is routine (a browser, a health probe): keep it at info.
      const level = message.code === undefined && message.status === 401 ? 'info' : 'warn'
      logger[level](
        {
          event: 'bearer_guard.rejected',
          status: message.status,
          code: message.code ?? null,
          reason: message.reason,
          unverified: { iss: message.issuer ?? null, client_id: message.clientId ?? null },
        },
        `bearer token rejected: ${message.reason ?? 'unknown'}`,
      )
    },
  }
  verification.subscribe(subscribers)
  const handlers: Array<[string, (message: unknown) => void]> = [
    [
      channels.scopeDenied,
      (message) => {
        const m = message as ScopeDeniedMessage
        logger.warn(
          {
            event: 'bearer_guard.scope_denied',
            status: 403,
            code: m.code,
            required: m.required,
            granted: m.granted,
            client_id: m.clientId ?? null,
          },
          'bearer token lacks the required scope',
        )
      },
    ],
    [
      channels.jwksFetchFailure,
      (message) => {
        const m = message as JwksFetchFailureMessage
        logger.error(
          { event: 'bearer_guard.jwks_failure', jwks_uri: m.jwksUri ?? null, issuer: m.issuer ?? null, failures: m.failures, err: m.error },
          'JWKS fetch failed',
        )
      },
    ],
    [
      channels.jwksStale,
      (message) => {
        const m = message as JwksStaleMessage
        logger.warn({ event: 'bearer_guard.jwks_stale', jwks_uri: m.jwksUri ?? null, usable_for_ms: m.usableForMs }, 'serving stale JWKS')
      },
    ],
    [
      channels.metadataFetchFailure,
      (message) => {
        const m = message as MetadataFetchFailureMessage
        logger.error({ event: 'bearer_guard.discovery_failure', issuer: m.issuer, err: m.error }, 'authorization server discovery failed')
      },
    ],
  ]
  for (const [name, fn] of handlers) dc.subscribe(name, fn)
  return {
    disable() {
      verification.unsubscribe(subscribers)
      for (const [name, fn] of handlers) dc.unsubscribe(name, fn)
    },
  }
}
