/** The outage tracker the adapters log through: one line when an outage starts, a reminder a minute, one at the end. */
import {
  createOutageLog,
  InvalidTokenError,
  OUTAGE_REMINDER_INTERVAL_MS,
  OutageNotice,
  outageNoticeOf,
  ServiceUnavailableError,
} from '@bearer-guard/core'
import { describe, expect, it } from 'vitest'

const upstream = () => {
  const socket = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' })
  const fetchError = new TypeError('fetch failed', { cause: socket })
  return new ServiceUnavailableError(1, {
    cause: Object.assign(new Error('JWKS request failed', { cause: fetchError }), { url: 'https://as.example/jwks' }),
  })
}

describe('createOutageLog', () => {
  it('started once with the whole cause chain, a reminder at most once a minute, recovered once', () => {
    let now = 1_000_000
    const log = createOutageLog(() => now)
    const first = upstream()
    const started = log.failed(first)
    expect(started).toBeInstanceOf(OutageNotice)
    expect(started).toMatchObject({ kind: 'started', level: 'error', failures: 1, since: now, status: 503, expose: false })
    expect(started?.message).toBe(
      'bearer-guard: signing keys unavailable, answering 503 with Retry-After until they are back; cause: ' +
        'JWKS request failed (url=https://as.example/jwks) <- fetch failed <- connect ECONNREFUSED 127.0.0.1:9 (code=ECONNREFUSED)',
    )
    expect(outageNoticeOf(first)).toBe(started)
    for (let i = 0; i < 100; i += 1) {
      now += 100
      expect(log.failed(upstream())).toBeUndefined()
    }
    now = 1_000_000 + OUTAGE_REMINDER_INTERVAL_MS
    const reminder = log.failed(upstream())
    expect(reminder).toMatchObject({ kind: 'ongoing', level: 'warn', failures: 102 })
    expect(reminder?.message).toMatch(/^bearer-guard: signing keys still unavailable: 102 request\(s\) answered 503 over 60 s; cause: JWKS/)
    expect(log.failed(upstream())).toBeUndefined()
    now += 5000
    expect(log.succeeded()).toMatchObject({ kind: 'recovered', level: 'info', failures: 103 })
    expect(log.succeeded()).toBeUndefined()
    expect(log.failed(upstream())?.kind).toBe('started')
  })

  it('ignores everything but 503s; a cyclic or odd cause cannot break it', () => {
    const log = createOutageLog()
    expect(log.failed(new InvalidTokenError('token expired'))).toBeUndefined()
    expect(log.failed(new Error('x'))).toBeUndefined()
    expect(log.succeeded()).toBeUndefined()
    const loop: { message: string; cause?: unknown } = { message: 'loop' }
    loop.cause = loop
    expect(log.failed(new ServiceUnavailableError(1, { cause: loop }))?.message).toMatch(/cause: loop$/)
    expect(createOutageLog().failed(new ServiceUnavailableError(1, { cause: 'x'.repeat(5000) }))?.message.length).toBeLessThan(800)
  })
})
