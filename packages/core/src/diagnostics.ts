/**
 * Every `node:diagnostics_channel` channel bearer-guard publishes on: names and payload types, in one place.
 * They are part of the public API (the names never change within a major version; payloads only grow).
 *
 * Subscribe with `diagnostics_channel.subscribe(name, fn)` (or `tracingChannel(name).subscribe({...})`),
 * the mechanism undici, Fastify and Node's HTTP client use and OpenTelemetry instrumentations listen to.
 * Every publish is guarded by `hasSubscribers`: with nobody listening, nothing is published and the request
 * path allocates nothing for diagnostics (a JWKS fetch still builds its one event for `onJwksFetch`).
 *
 * Payloads never carry a token, a key or a credential. Values read from a token (`issuer`, `clientId`) are
 * attacker-controlled until the token is verified (`verified: false`): log them, never use them as metric
 * labels (an attacker could mint unbounded label values).
 *
 * @module
 */
import dc from 'node:diagnostics_channel'
import type { BearerErrorCode } from './errors.js'
import type { KeySetFetchEvent } from './jwks/remote-key-set.js'
import { rejectionReason } from './lib/rejection-reason.js'
import type { RejectionCause } from './rejection.js'
import type { AuthInfo } from './types.js'

/** The names of every channel, for `diagnostics_channel.subscribe(name, …)`. */
export const channels = Object.freeze({
  /**
   * Tracing channel (prefix for `tracing:bearer-guard:verify:start|end|asyncStart|asyncEnd|error`): one trace
   * per `guard.verify(token)` or `guard.authenticate(request)` call. Payload {@link VerificationMessage}.
   */
  verify: 'bearer-guard:verify',
  /** A route's scope requirement refused an authenticated token (403). Payload {@link ScopeDeniedMessage}. */
  scopeDenied: 'bearer-guard:scope:denied',
  /** A JWKS fetch begins. Payload {@link JwksFetchStartMessage}. */
  jwksFetchStart: 'bearer-guard:jwks:fetch:start',
  /** A JWKS fetch produced a usable key set. Payload {@link JwksFetchSuccessMessage}. */
  jwksFetchSuccess: 'bearer-guard:jwks:fetch:success',
  /** A JWKS fetch failed (network, HTTP status, size, timeout, bad document, discovery). Payload {@link JwksFetchFailureMessage}. */
  jwksFetchFailure: 'bearer-guard:jwks:fetch:failure',
  /** A key set past its max age was used because refreshing it failed (stale-if-error). Payload {@link JwksStaleMessage}. */
  jwksStale: 'bearer-guard:jwks:stale',
  /** A JWKS fetch was refused by the backoff after failures or the unknown-`kid` cooldown. Payload {@link JwksCooldownMessage}. */
  jwksCooldown: 'bearer-guard:jwks:cooldown',
  /** Authorization server metadata discovery (RFC 8414 / OIDC) begins. Payload {@link MetadataFetchStartMessage}. */
  metadataFetchStart: 'bearer-guard:metadata:fetch:start',
  /** Discovery found the `jwks_uri`. Payload {@link MetadataFetchSuccessMessage}. */
  metadataFetchSuccess: 'bearer-guard:metadata:fetch:success',
  /** Discovery failed. Payload {@link MetadataFetchFailureMessage}. */
  metadataFetchFailure: 'bearer-guard:metadata:fetch:failure',
  /** An RFC 7662 introspection request begins. Payload {@link IntrospectionStartMessage}. */
  introspectionStart: 'bearer-guard:introspection:start',
  /** The introspection endpoint answered (active or not). Payload {@link IntrospectionSuccessMessage}. */
  introspectionSuccess: 'bearer-guard:introspection:success',
  /** The introspection request failed. Payload {@link IntrospectionFailureMessage}. */
  introspectionFailure: 'bearer-guard:introspection:failure',
})

/** The payload of every event of the `bearer-guard:verify` tracing channel (one object per trace, filled as it goes). */
export interface VerificationMessage {
  /** Which guard method was called. */
  readonly operation: 'verify' | 'authenticate'
  /** Set when the trace ends: the token was accepted, rejected, or absent on an optional route (`authenticate` only). */
  outcome?: 'accepted' | 'rejected' | 'anonymous'
  /** True when the verified-token cache answered (no signature check). */
  cacheHit: boolean
  /** True only when the token was accepted: `issuer` and `clientId` are then verified claims. */
  verified: boolean
  /** The token's `iss`, when it has a string one. Unverified (attacker-controlled) unless `verified`. */
  issuer?: string
  /** The token's `client_id` (or `azp`), when a string. Unverified (attacker-controlled) unless `verified`. */
  clientId?: string
  /** Rejections: the RFC 6750 error code (`undefined` for "no credentials" and for 503). */
  code?: BearerErrorCode | undefined
  /** Rejections: HTTP status (400, 401, 403, 503). */
  status?: number
  /** Rejections: a stable, bounded reason (from the error's `cause`); safe as a metric label. */
  reason?: string
  /** Rejections: the {@link BearerError} (set by the tracing channel on `error`). */
  error?: unknown
  /** Always `undefined`: the result (which holds the token) is not published. */
  result?: undefined
}

/** Payload of `bearer-guard:scope:denied`. The token was verified, so `issuer`/`clientId` are verified claims. */
export interface ScopeDeniedMessage {
  readonly required: readonly string[]
  readonly mode: 'all' | 'any'
  readonly granted: readonly string[]
  readonly issuer: string | undefined
  readonly clientId: string | undefined
  readonly code: 'insufficient_scope'
  readonly reason: string
}

/** Why a JWKS fetch runs. */
export type JwksFetchReason = 'initial' | 'expired' | 'unknown-kid' | 'reload'

interface JwksMessageBase {
  /** The configured issuer this key set serves; `undefined` with `jwksUri` (one set for every issuer). */
  readonly issuer: string | undefined
  /** The JWKS URL; `undefined` before discovery first found it. */
  readonly jwksUri: string | undefined
}

/** Payload of `bearer-guard:jwks:fetch:start`: a JWKS fetch begins, and why. */
export interface JwksFetchStartMessage extends JwksMessageBase {
  readonly reason: JwksFetchReason
}

/** Payload of `bearer-guard:jwks:fetch:success`: the fetch produced a usable key set. */
export interface JwksFetchSuccessMessage extends JwksMessageBase {
  readonly reason: JwksFetchReason
  /** Usable keys in the new set. */
  readonly keys: number
  /** JWKs not used, with why (unsupported `kty`, disallowed `alg`, encryption key…). */
  readonly skipped: ReadonlyArray<{ readonly kid: unknown; readonly reason: string }>
  /** How long the set is fresh, in ms (from `Cache-Control: max-age` when honoured, else `cacheMaxAge`). */
  readonly maxAgeMs: number
  /** Wall time of the fetch (discovery included on first use), ms. */
  readonly durationMs: number
}

/** Payload of `bearer-guard:jwks:fetch:failure`: the fetch (or the discovery before it) failed. */
export interface JwksFetchFailureMessage extends JwksMessageBase {
  readonly reason: JwksFetchReason
  readonly error: unknown
  /** The cause the resulting 503s carry (`keys_unavailable`, or a configuration fault such as `discovery_issuer_mismatch`). */
  readonly cause: RejectionCause
  /** Failures in a row, this one included. */
  readonly failures: number
  readonly durationMs: number
}

/** Payload of `bearer-guard:jwks:stale`: a key set past its max age served because refreshing it failed (stale-if-error). */
export interface JwksStaleMessage extends JwksMessageBase {
  /** How long ago the set stopped being fresh, ms. */
  readonly staleForMs: number
  /** How much longer stale-if-error lets it serve, ms. */
  readonly usableForMs: number
  /** Why the last refresh failed. */
  readonly error: unknown
}

/** Payload of `bearer-guard:jwks:cooldown`: a JWKS fetch was refused by the failure backoff or the unknown-`kid` rate limit. */
export interface JwksCooldownMessage extends JwksMessageBase {
  /** `backoff`: fetching again too soon after a failure (answered 503). `unknown-kid`: refetch rate limit (answered 401). */
  readonly kind: 'backoff' | 'unknown-kid'
  /** When another fetch may run, ms from now. */
  readonly retryInMs: number
}

/** Payload of `bearer-guard:metadata:fetch:start`: discovery (RFC 8414 / OIDC) begins for `issuer`. */
export interface MetadataFetchStartMessage {
  readonly issuer: string
}

/** Payload of `bearer-guard:metadata:fetch:success`: discovery found the issuer's `jwksUri`; `durationMs` is its wall time. */
export interface MetadataFetchSuccessMessage {
  readonly issuer: string
  readonly jwksUri: string
  readonly durationMs: number
}

/** Payload of `bearer-guard:metadata:fetch:failure`: discovery failed with `error` after `durationMs`. */
export interface MetadataFetchFailureMessage {
  readonly issuer: string
  readonly error: unknown
  readonly durationMs: number
}

/** Payload of `bearer-guard:introspection:start`: an introspection request to `endpoint` begins. */
export interface IntrospectionStartMessage {
  readonly endpoint: string
}

/** Payload of `bearer-guard:introspection:success`: the endpoint answered (active or not), or the cache did. */
export interface IntrospectionSuccessMessage {
  readonly endpoint: string
  /** The response's `active` member. */
  readonly active: boolean
  /** True when the answer came from the introspection cache (no request). */
  readonly cacheHit: boolean
  readonly durationMs: number
}

/** Payload of `bearer-guard:introspection:failure`: the introspection request failed with `error` after `durationMs`. */
export interface IntrospectionFailureMessage {
  readonly endpoint: string
  readonly error: unknown
  readonly durationMs: number
}

// Created once at load (undici's habit); holding them keeps their subscribers alive on every Node version.
const verification = dc.tracingChannel<unknown, VerificationMessage>(channels.verify)
const scopeDenied = dc.channel(channels.scopeDenied)
const jwksStart = dc.channel(channels.jwksFetchStart)
const jwksSuccess = dc.channel(channels.jwksFetchSuccess)
const jwksFailure = dc.channel(channels.jwksFetchFailure)
const jwksStale = dc.channel(channels.jwksStale)
const jwksCooldown = dc.channel(channels.jwksCooldown)
const metadataStart = dc.channel(channels.metadataFetchStart)
const metadataSuccess = dc.channel(channels.metadataFetchSuccess)
const metadataFailure = dc.channel(channels.metadataFetchFailure)
/** For the introspection client. */
export const introspectionChannels = Object.freeze({
  start: dc.channel(channels.introspectionStart),
  success: dc.channel(channels.introspectionSuccess),
  failure: dc.channel(channels.introspectionFailure),
})

/** `TracingChannel.hasSubscribers` appeared in Node 20.13 / 22.0; older builds fall back to the five channels. */
const isTracing: () => boolean =
  typeof verification.hasSubscribers === 'boolean'
    ? () => verification.hasSubscribers
    : () =>
        verification.start.hasSubscribers ||
        verification.end.hasSubscribers ||
        verification.asyncStart.hasSubscribers ||
        verification.asyncEnd.hasSubscribers ||
        verification.error.hasSubscribers

/** What a traced verification tells the tracer beyond its result. Internal: the token never reaches a payload. */
export interface VerificationNote {
  cacheHit: boolean
  /** The token once known (read only to describe a rejection's unverified `iss`/`client_id`). */
  token: string | undefined
}

/** True when someone listens to verification traces: the guard then runs {@link traceVerification}. */
export function verificationTraced(): boolean {
  return isTracing()
}

/**
 * Runs one verification inside the `bearer-guard:verify` tracing channel. `run` resolves the guard's own
 * answer; the traced function resolves `undefined` so the published `result` never holds the token.
 */
export function traceVerification<T extends AuthInfo | undefined>(
  operation: VerificationMessage['operation'],
  run: (note: VerificationNote) => Promise<T>,
): Promise<T> {
  const message: VerificationMessage = { operation, cacheHit: false, verified: false }
  const note: VerificationNote = { cacheHit: false, token: undefined }
  let answer: T
  const traced = async (): Promise<undefined> => {
    try {
      answer = await run(note)
    } catch (error) {
      describeRejection(message, note, error)
      throw error
    }
    describeAcceptance(message, note, answer)
    return undefined
  }
  return verification.tracePromise(traced, message).then(() => answer)
}

function describeAcceptance(message: VerificationMessage, note: VerificationNote, auth: AuthInfo | undefined): void {
  message.cacheHit = note.cacheHit
  if (auth === undefined) {
    message.outcome = 'anonymous'
    return
  }
  message.outcome = 'accepted'
  message.verified = true
  const iss = auth.claims.iss
  if (typeof iss === 'string') message.issuer = iss
  if (typeof auth.clientId === 'string') message.clientId = auth.clientId
}

function describeRejection(message: VerificationMessage, note: VerificationNote, error: unknown): void {
  message.outcome = 'rejected'
  message.cacheHit = note.cacheHit
  const fields = error as { code?: BearerErrorCode; status?: number }
  message.code = fields.code
  if (typeof fields.status === 'number') message.status = fields.status
  message.reason = rejectionReason(error)
  if (note.token !== undefined) {
    const claims = peekUnverifiedClaims(note.token)
    if (claims.issuer !== undefined) message.issuer = claims.issuer
    if (claims.clientId !== undefined) message.clientId = claims.clientId
  }
}

/** Longest unverified claim value copied into a payload: enough for any real issuer URL, bounded for logs. */
const MAX_UNVERIFIED_VALUE = 256
/** Payload segments larger than this are not decoded to describe a rejection. */
const MAX_PEEK_SEGMENT = 16_384

/** Best-effort `iss`/`client_id` of a rejected token, for logs only. Never throws. */
function peekUnverifiedClaims(token: string): { issuer?: string; clientId?: string } {
  const first = token.indexOf('.')
  const second = first < 0 ? -1 : token.indexOf('.', first + 1)
  if (second < 0 || second - first - 1 > MAX_PEEK_SEGMENT) return {}
  let claims: unknown
  try {
    claims = JSON.parse(Buffer.from(token.slice(first + 1, second), 'base64url').toString('utf8'))
  } catch {
    return {}
  }
  if (typeof claims !== 'object' || claims === null) return {}
  const { iss, client_id: clientId, azp } = claims as Record<string, unknown>
  const out: { issuer?: string; clientId?: string } = {}
  if (typeof iss === 'string') out.issuer = iss.slice(0, MAX_UNVERIFIED_VALUE)
  const client = typeof clientId === 'string' ? clientId : azp
  if (typeof client === 'string') out.clientId = client.slice(0, MAX_UNVERIFIED_VALUE)
  return out
}

/** Publishes a scope refusal (only when someone listens). */
export function publishScopeDenied(auth: AuthInfo, required: readonly string[], mode: 'all' | 'any', error: unknown): void {
  if (!scopeDenied.hasSubscribers || (error as { code?: unknown } | null)?.code !== 'insufficient_scope') return
  const iss = auth.claims.iss
  const message: ScopeDeniedMessage = {
    required,
    mode,
    granted: auth.scopes,
    issuer: typeof iss === 'string' ? iss : undefined,
    clientId: auth.clientId,
    code: 'insufficient_scope',
    reason: rejectionReason(error) ?? 'insufficient scope',
  }
  scopeDenied.publish(message)
}

/** Where a remote key set reports what it does; one per key set, bound to its issuer. */
export interface KeySetReporter {
  fetchStart(reason: JwksFetchReason, jwksUri: string | undefined): void
  fetchSuccess(message: Omit<JwksFetchSuccessMessage, 'issuer'>): void
  fetchFailure(message: Omit<JwksFetchFailureMessage, 'issuer'>): void
  // Positional, not objects: these run per request on the stale and refused paths (an unknown-kid flood),
  // so nothing is allocated unless someone listens.
  stale(jwksUri: string | undefined, staleForMs: number, usableForMs: number, error: unknown): void
  cooldown(jwksUri: string | undefined, kind: JwksCooldownMessage['kind'], retryInMs: number): void
}

/**
 * A key set's reporter: publishes on the JWKS channels when someone listens, and feeds the deprecated
 * `onJwksFetch` callback from the same two events (success, failure), so there is one source of truth.
 */
export function createKeySetReporter(issuer: string | undefined, onFetch?: (event: KeySetFetchEvent) => void): KeySetReporter {
  return {
    fetchStart(reason, jwksUri) {
      if (jwksStart.hasSubscribers) jwksStart.publish({ issuer, jwksUri, reason } satisfies JwksFetchStartMessage)
    },
    fetchSuccess(message) {
      if (jwksSuccess.hasSubscribers) jwksSuccess.publish({ issuer, ...message } satisfies JwksFetchSuccessMessage)
      onFetch?.({ ok: true, reason: message.reason, keys: message.keys, skipped: message.skipped })
    },
    fetchFailure(message) {
      if (jwksFailure.hasSubscribers) jwksFailure.publish({ issuer, ...message } satisfies JwksFetchFailureMessage)
      onFetch?.({ ok: false, reason: message.reason, error: message.error, cause: message.cause })
    },
    stale(jwksUri, staleForMs, usableForMs, error) {
      if (jwksStale.hasSubscribers) jwksStale.publish({ issuer, jwksUri, staleForMs, usableForMs, error } satisfies JwksStaleMessage)
    },
    cooldown(jwksUri, kind, retryInMs) {
      if (jwksCooldown.hasSubscribers) jwksCooldown.publish({ issuer, jwksUri, kind, retryInMs } satisfies JwksCooldownMessage)
    },
  }
}

/** Runs discovery for `issuer`, publishing on the metadata channels when someone listens. */
export async function traceDiscovery(issuer: string, discover: () => Promise<string>): Promise<string> {
  const listening = metadataStart.hasSubscribers || metadataSuccess.hasSubscribers || metadataFailure.hasSubscribers
  if (!listening) return discover()
  const startedAt = performance.now()
  if (metadataStart.hasSubscribers) metadataStart.publish({ issuer } satisfies MetadataFetchStartMessage)
  try {
    const jwksUri = await discover()
    if (metadataSuccess.hasSubscribers) {
      metadataSuccess.publish({ issuer, jwksUri, durationMs: performance.now() - startedAt } satisfies MetadataFetchSuccessMessage)
    }
    return jwksUri
  } catch (error) {
    if (metadataFailure.hasSubscribers) {
      metadataFailure.publish({ issuer, error, durationMs: performance.now() - startedAt } satisfies MetadataFetchFailureMessage)
    }
    throw error
  }
}
