/**
 * Turns a JWKS/discovery outage into a few log lines instead of none or one per request. While keys cannot
 * be had every token-bearing request is answered 503; the adapters report each 503 here and log only what
 * comes back: a notice when the incident starts (with its cause), a reminder at most once a minute while it
 * lasts, and one when a token verifies again. One tracker per guard, so middleware sharing a guard share
 * the incident. Nothing here knows a framework.
 */
import { BearerError } from './errors.js'
import type { Guard } from './guard.js'

/** Minimum milliseconds between two reminders of the same incident. */
export const OUTAGE_REMINDER_INTERVAL_MS = 60_000

/** Which moment of a key-outage incident an {@link OutageNotice} reports: its first 503, a reminder, or the recovery. */
export type OutageNoticeKind = 'started' | 'ongoing' | 'recovered'

/**
 * One log line about an outage, as an `Error` so every framework's logger prints it: its message holds the
 * upstream cause (`cause` has the object). `status` 503 and `expose: false` for Koa's `app.on('error')`.
 */
export class OutageNotice extends Error {
  /** `started`: the first 503 of an incident; `ongoing`: a reminder; `recovered`: keys work again. */
  readonly kind: OutageNoticeKind
  /** Suggested log level: `error`, `warn` (reminder) or `info` (recovered). */
  readonly level: 'error' | 'warn' | 'info'
  /** Requests answered 503 in this incident so far. */
  readonly failures: number
  /** When the incident started, in milliseconds since the epoch. */
  readonly since: number
  readonly status = 503
  /** Koa: not for the client (it is never sent; Koa's default error listener prints unexposed errors). */
  readonly expose = false

  constructor(kind: OutageNoticeKind, failures: number, since: number, now: number, cause: unknown) {
    const limit = Error.stackTraceLimit
    Error.stackTraceLimit = 0
    super(describe(kind, failures, since, now, cause), cause === undefined ? undefined : { cause })
    Error.stackTraceLimit = limit
    this.name = 'OutageNotice'
    this.kind = kind
    this.level = kind === 'started' ? 'error' : kind === 'ongoing' ? 'warn' : 'info'
    this.failures = failures
    this.since = since
  }
}

function describe(kind: OutageNoticeKind, failures: number, since: number, now: number, cause: unknown): string {
  const seconds = Math.round((now - since) / 1000)
  if (kind === 'recovered') return `bearer-guard: signing keys available again after ${failures} request(s) answered 503 over ${seconds} s`
  const head =
    kind === 'started'
      ? 'bearer-guard: signing keys unavailable, answering 503 with Retry-After until they are back'
      : `bearer-guard: signing keys still unavailable: ${failures} request(s) answered 503 over ${seconds} s`
  const reason = causeChain(cause)
  return reason === '' ? head : `${head}; cause: ${reason}`
}

/**
 * Each error down the `cause` chain as its message plus its own primitive fields (`httpStatus=500`,
 * `url=...`, whatever structured detail the error carries), joined with ` <- `; bounded, cycles cut.
 */
export function causeChain(cause: unknown): string {
  const parts: string[] = []
  const seen = new Set<unknown>()
  let current = cause
  while (current !== undefined && current !== null && !seen.has(current) && parts.length < 6) {
    seen.add(current)
    if (typeof current !== 'object') {
      parts.push(String(current))
      break
    }
    const fields = Object.entries(current)
      .filter(([key, value]) => key !== 'message' && key !== 'name' && key !== 'stack' && key !== 'reason' && isPrimitive(value))
      .map(([key, value]) => `${key}=${String(value)}`)
    // An Error says what happened in `message`; a structured rejection cause in `reason`.
    const record = current as { message?: unknown; reason?: unknown; cause?: unknown; error?: unknown }
    const head = 'message' in current ? String(record.message) : String(record.reason ?? 'cause')
    parts.push(fields.length === 0 ? head : `${head} (${fields.join(', ')})`)
    current = record.cause ?? record.error
  }
  const text = parts.join(' <- ')
  return text.length > 600 ? `${text.slice(0, 600)}...` : text
}

function isPrimitive(value: unknown): boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
}

/** What an adapter tells the tracker, and the notice (if any) it should log. */
export interface OutageLog {
  /**
   * A request failed: returns a notice when `error` is a 503 that starts an incident or is due a reminder,
   * and attaches it to the error for {@link outageNoticeOf}.
   */
  failed(error: unknown): OutageNotice | undefined
  /** A token verified: returns the `recovered` notice when an incident was open. */
  succeeded(): OutageNotice | undefined
}

interface Incident {
  readonly since: number
  failures: number
  remindedAt: number
}

/** A tracker; `clock` (milliseconds) for tests. Adapters use {@link outageLogOf} instead. */
export function createOutageLog(clock: () => number = Date.now): OutageLog {
  let incident: Incident | undefined
  return {
    failed(error) {
      if (!BearerError.is(error) || error.status !== 503) return undefined
      const now = clock()
      if (incident === undefined) {
        incident = { since: now, failures: 1, remindedAt: now }
        return attach(error, new OutageNotice('started', 1, now, now, error.cause))
      }
      incident.failures += 1
      if (now - incident.remindedAt < OUTAGE_REMINDER_INTERVAL_MS) return undefined
      incident.remindedAt = now
      return attach(error, new OutageNotice('ongoing', incident.failures, incident.since, now, error.cause))
    },
    succeeded() {
      if (incident === undefined) return undefined
      const { failures, since } = incident
      incident = undefined
      return new OutageNotice('recovered', failures, since, clock(), undefined)
    },
  }
}

const trackers = new WeakMap<Guard, OutageLog>()

/** The guard's tracker, shared by every adapter middleware built on that guard. */
export function outageLogOf(guard: Guard): OutageLog {
  let log = trackers.get(guard)
  if (log === undefined) {
    log = createOutageLog()
    trackers.set(guard, log)
  }
  return log
}

const notices = new WeakMap<object, OutageNotice>()

/** Remembers the notice a 503 error produced, for {@link outageNoticeOf}. */
function attach(error: object, notice: OutageNotice): OutageNotice {
  notices.set(error, notice)
  return notice
}

/**
 * The {@link OutageNotice} an adapter attached to this 503 error: set on the request that started an
 * outage and on one request a minute while it lasts, so an error handler can log an outage without
 * logging every request it fails.
 */
export function outageNoticeOf(error: unknown): OutageNotice | undefined {
  return typeof error === 'object' && error !== null ? notices.get(error) : undefined
}
