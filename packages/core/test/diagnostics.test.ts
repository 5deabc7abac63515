/**
 * The diagnostics channels as a subscriber sees them: the verification tracing channel (events, payloads,
 * cache hits, unverified claims on rejections, the token never published), the JWKS channels (start,
 * success with key count and lifetime, failure, stale-if-error, cooldown and backoff refusals), discovery
 * and scope refusals, all against a real issuer on loopback. Time is the guard's clock.
 */

import { randomUUID } from 'node:crypto'
import dc from 'node:diagnostics_channel'
import {
  channels,
  createGuard,
  type GuardOptions,
  InvalidTokenError,
  type JwksCooldownMessage,
  type JwksFetchFailureMessage,
  type JwksFetchStartMessage,
  type JwksFetchSuccessMessage,
  type JwksStaleMessage,
  type KeySetFetchEvent,
  type MetadataFetchSuccessMessage,
  type ScopeDeniedMessage,
  type VerificationMessage,
} from '@bearer-guard/core'
import { createTestIssuer, type TestIssuer, type TestIssuerOptions } from '@bearer-guard/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { eventually, fakeClock, rejection } from './helpers.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function issuer(options: TestIssuerOptions = {}): Promise<TestIssuer> {
  const created = await createTestIssuer({ alg: 'ES256', ...options })
  cleanups.push(() => created.close())
  return created
}

/** Subscribes to a plain channel for this test; returns what it receives. */
function listen<T>(name: string): T[] {
  const seen: T[] = []
  const fn = (message: unknown) => seen.push(structuredClone(message as T))
  dc.subscribe(name, fn)
  cleanups.push(() => dc.unsubscribe(name, fn))
  return seen
}

type TraceEvent = 'start' | 'end' | 'asyncStart' | 'asyncEnd' | 'error'

/** Subscribes to the verification tracing channel; records each event with a snapshot of the message. */
function trace(): Array<{ event: TraceEvent; message: VerificationMessage }> {
  const seen: Array<{ event: TraceEvent; message: VerificationMessage }> = []
  const record = (event: TraceEvent) => (message: VerificationMessage) => {
    const { error, ...rest } = message
    seen.push({ event, message: { ...rest, ...(error === undefined ? {} : { error }) } })
  }
  const subscribers = {
    start: record('start'),
    end: record('end'),
    asyncStart: record('asyncStart'),
    asyncEnd: record('asyncEnd'),
    error: record('error'),
  }
  const channel = dc.tracingChannel<unknown, VerificationMessage>(channels.verify)
  channel.subscribe(subscribers)
  cleanups.push(() => channel.unsubscribe(subscribers))
  return seen
}

const options = (as: TestIssuer, extra: Partial<GuardOptions> = {}): GuardOptions => ({
  issuer: as.issuer,
  audience: as.audience,
  jwksUri: as.jwksUri,
  ...extra,
})

describe('channel names', () => {
  it('are the documented, stable strings', () => {
    expect(channels).toEqual({
      verify: 'bearer-guard:verify',
      scopeDenied: 'bearer-guard:scope:denied',
      jwksFetchStart: 'bearer-guard:jwks:fetch:start',
      jwksFetchSuccess: 'bearer-guard:jwks:fetch:success',
      jwksFetchFailure: 'bearer-guard:jwks:fetch:failure',
      jwksStale: 'bearer-guard:jwks:stale',
      jwksCooldown: 'bearer-guard:jwks:cooldown',
      metadataFetchStart: 'bearer-guard:metadata:fetch:start',
      metadataFetchSuccess: 'bearer-guard:metadata:fetch:success',
      metadataFetchFailure: 'bearer-guard:metadata:fetch:failure',
      introspectionStart: 'bearer-guard:introspection:start',
      introspectionSuccess: 'bearer-guard:introspection:success',
      introspectionFailure: 'bearer-guard:introspection:failure',
    })
    expect(Object.isFrozen(channels)).toBe(true)
  })
})

describe('verification tracing channel', () => {
  it('traces an accepted token: start, end, asyncStart, asyncEnd with verified iss and client_id', async () => {
    const as = await issuer()
    const guard = createGuard(options(as))
    const seen = trace()
    await guard.verify(await as.sign({ client_id: 'svc-a' }))
    expect(seen.map((s) => s.event)).toEqual(['start', 'end', 'asyncStart', 'asyncEnd'])
    expect(seen.at(-1)?.message).toEqual({
      operation: 'verify',
      outcome: 'accepted',
      cacheHit: false,
      verified: true,
      issuer: as.issuer,
      clientId: 'svc-a',
      result: undefined,
    })
  })

  it('reports cache hits (the cache admits a token on its second verification)', async () => {
    const as = await issuer()
    const guard = createGuard(options(as))
    const token = await as.sign()
    const seen = trace()
    await guard.verify(token)
    await guard.verify(token)
    await guard.verify(token)
    const ends = seen.filter((s) => s.event === 'asyncEnd').map((s) => s.message.cacheHit)
    expect(ends).toEqual([false, false, true])
  })

  it('traces a rejection with code, status, reason and the unverified iss/client_id, never the token', async () => {
    const as = await issuer()
    const guard = createGuard(options(as))
    const token = await as.sign({ client_id: 'svc-b' }, { expiresIn: -600 })
    const seen = trace()
    const error = await rejection(guard.verify(token))
    expect(seen.map((s) => s.event)).toEqual(['start', 'end', 'error', 'asyncStart', 'asyncEnd'])
    const { error: published, ...message } = seen.find((s) => s.event === 'error')?.message ?? {}
    expect(published).toBe(error)
    expect(message).toEqual({
      operation: 'verify',
      outcome: 'rejected',
      cacheHit: false,
      verified: false,
      issuer: as.issuer,
      clientId: 'svc-b',
      code: 'invalid_token',
      status: 401,
      reason: 'token_expired',
    })
    for (const { message: m } of seen) expect(JSON.stringify({ ...m, error: undefined })).not.toContain(token.split('.')[2])
  })

  it('truncates hostile unverified values and survives garbage', async () => {
    const as = await issuer()
    const guard = createGuard(options(as))
    const seen = trace()
    const huge = await as.sign({ iss: `https://evil.example/${'a'.repeat(5000)}`, client_id: 42 })
    await rejection(guard.verify(huge))
    await rejection(guard.verify('not.a.jwt'))
    await rejection(guard.verify('%%%'))
    const errors = seen.filter((s) => s.event === 'error').map((s) => s.message)
    expect(errors[0]?.issuer).toHaveLength(256)
    expect(errors[0]?.clientId).toBeUndefined()
    expect(errors[0]?.reason).toBe('issuer_mismatch')
    expect(errors.slice(1).map((m) => [m.reason, m.issuer])).toEqual([
      ['malformed_token', undefined],
      ['malformed_token', undefined],
    ])
  })

  it('traces authenticate: extraction failures and anonymous optional requests too', async () => {
    const as = await issuer()
    const guard = createGuard(options(as))
    const seen = trace()
    const request = (headers: Record<string, string>) => ({ method: 'GET', url: '/', headers })
    await rejection(guard.authenticate(request({})))
    await guard.authenticate(request({}), { optional: true })
    await rejection(guard.authenticate(request({ authorization: 'Basic abc' })))
    await guard.authenticate(request({ authorization: `Bearer ${await as.sign()}` }))
    const ends = seen.filter((s) => s.event === 'asyncEnd').map(({ message: m }) => [m.operation, m.outcome, m.status, m.code])
    expect(ends).toEqual([
      ['authenticate', 'rejected', 401, undefined],
      ['authenticate', 'anonymous', undefined, undefined],
      ['authenticate', 'rejected', 401, undefined],
      ['authenticate', 'accepted', undefined, undefined],
    ])
  })

  it('reads the reason from a structured cause when the rejection carries one', async () => {
    const as = await issuer()
    const guard = createGuard(
      options(as, {
        validate: () => {
          throw new InvalidTokenError('token revoked', { cause: { reason: 'revoked', jti: 'abc' } })
        },
      }),
    )
    const seen = trace()
    await rejection(guard.verify(await as.sign()))
    expect(seen.find((s) => s.event === 'error')?.message).toMatchObject({ reason: 'revoked', code: 'invalid_token', status: 401 })
  })

  it('publishes nothing once the subscriber leaves, and the guard still answers', async () => {
    const as = await issuer()
    const guard = createGuard(options(as))
    const seen = trace()
    const channel = dc.tracingChannel(channels.verify)
    expect(channel.hasSubscribers).toBe(true)
    // Run the cleanups registered by trace() now.
    for (const cleanup of cleanups.splice(1).reverse()) await cleanup()
    expect(channel.hasSubscribers).toBe(false)
    const auth = await guard.verify(await as.sign())
    expect(auth.claims.iss).toBe(as.issuer)
    expect(seen).toEqual([])
  })

  it('keeps an AsyncLocalStorage store bound to the start channel across the verification (what tracers rely on)', async () => {
    const { AsyncLocalStorage } = await import('node:async_hooks')
    const as = await issuer()
    const guard = createGuard(options(as))
    const store = new AsyncLocalStorage<string>()
    const channel = dc.tracingChannel<string, VerificationMessage>(channels.verify)
    channel.start.bindStore(store, () => 'span-1')
    cleanups.push(() => channel.start.unbindStore(store))
    const inside: Array<string | undefined> = []
    const asyncEnd = () => inside.push(store.getStore())
    dc.subscribe('tracing:bearer-guard:verify:asyncEnd', asyncEnd)
    cleanups.push(() => dc.unsubscribe('tracing:bearer-guard:verify:asyncEnd', asyncEnd))
    await guard.verify(await as.sign())
    expect(inside).toEqual(['span-1'])
    expect(store.getStore()).toBeUndefined()
  })
})

describe('JWKS channels', () => {
  it('start and success carry issuer, URL, reason, key count and cache lifetime from Cache-Control', async () => {
    const as = await issuer({ jwksCacheControl: 'max-age=120' })
    const starts = listen<JwksFetchStartMessage>(channels.jwksFetchStart)
    const successes = listen<JwksFetchSuccessMessage>(channels.jwksFetchSuccess)
    const legacy: KeySetFetchEvent[] = []
    const guard = createGuard(options(as, { onJwksFetch: (event) => legacy.push(event) }))
    await guard.verify(await as.sign())
    expect(starts).toEqual([{ issuer: undefined, jwksUri: undefined, reason: 'initial' }])
    expect(successes).toHaveLength(1)
    expect(successes[0]).toMatchObject({
      issuer: undefined,
      jwksUri: as.jwksUri,
      reason: 'initial',
      keys: 1,
      skipped: [],
      maxAgeMs: 120_000,
    })
    expect(successes[0]?.durationMs).toBeGreaterThan(0)
    // The deprecated callback is fed by the same event.
    expect(legacy).toEqual([{ ok: true, reason: 'initial', keys: 1, skipped: [] }])
  })

  it('discovery: metadata channels, then JWKS events name the configured issuer', async () => {
    const as = await issuer()
    const metadata = listen<MetadataFetchSuccessMessage>(channels.metadataFetchSuccess)
    const metaStarts = listen<{ issuer: string }>(channels.metadataFetchStart)
    const successes = listen<JwksFetchSuccessMessage>(channels.jwksFetchSuccess)
    const guard = createGuard({ issuer: as.issuer, audience: as.audience })
    await guard.verify(await as.sign())
    expect(metaStarts).toEqual([{ issuer: as.issuer }])
    expect(metadata).toEqual([{ issuer: as.issuer, jwksUri: as.jwksUri, durationMs: expect.any(Number) }])
    expect(successes).toMatchObject([{ issuer: as.issuer, jwksUri: as.jwksUri, maxAgeMs: 600_000 }])
  })

  it('discovery failure is published on the metadata and JWKS failure channels', async () => {
    const as = await issuer()
    as.fail('http-500', { discovery: true })
    const metadata = listen<{ issuer: string; error: unknown }>(channels.metadataFetchFailure)
    const failures = listen<JwksFetchFailureMessage>(channels.jwksFetchFailure)
    const guard = createGuard({ issuer: as.issuer, audience: as.audience })
    const error = await rejection(guard.verify(await as.sign()))
    expect(error.status).toBe(503)
    expect(metadata).toMatchObject([{ issuer: as.issuer }])
    expect(failures).toMatchObject([{ issuer: as.issuer, jwksUri: undefined, reason: 'initial', failures: 1 }])
  })

  it('failure, backoff refusal, stale-if-error serving, unknown-kid cooldown', async () => {
    const as = await issuer()
    const time = fakeClock()
    const guard = createGuard(options(as, { clock: time.clock, tokenCache: false, cacheMaxAge: 60_000, staleIfErrorDuration: 600_000 }))
    const failures = listen<JwksFetchFailureMessage>(channels.jwksFetchFailure)
    const stale = listen<JwksStaleMessage>(channels.jwksStale)
    const cooldowns = listen<JwksCooldownMessage>(channels.jwksCooldown)
    const token = await as.sign()

    await guard.verify(token)
    // Unknown kid right after a fetch: refused by the cooldown (401), published as such.
    await rejection(guard.verify(await as.sign({}, { header: { kid: randomUUID() } })))
    expect(cooldowns).toMatchObject([{ jwksUri: as.jwksUri, kind: 'unknown-kid' }])
    expect(cooldowns[0]?.retryInMs).toBeGreaterThan(0)

    // The set goes stale and the issuer fails: the background refresh fails, the stale set keeps serving.
    as.fail('http-500')
    time.advance(61_000)
    await guard.verify(token)
    await eventually(() => failures.length === 1)
    expect(failures).toMatchObject([{ jwksUri: as.jwksUri, reason: 'expired', failures: 1 }])
    await guard.verify(token)
    expect(stale.length).toBeGreaterThan(0)
    expect(stale[0]).toMatchObject({ jwksUri: as.jwksUri, staleForMs: 1_000, usableForMs: 599_000 })
  })

  it('a cold failure then an immediate retry is refused by the backoff (503) and published', async () => {
    const as = await issuer()
    as.fail('http-500')
    const time = fakeClock()
    const guard = createGuard(options(as, { clock: time.clock }))
    const cooldowns = listen<JwksCooldownMessage>(channels.jwksCooldown)
    const token = await as.sign()
    expect((await rejection(guard.verify(token))).status).toBe(503)
    expect((await rejection(guard.verify(token))).status).toBe(503)
    expect(cooldowns).toEqual([{ issuer: undefined, jwksUri: as.jwksUri, kind: 'backoff', retryInMs: 1_000 }])
    expect(as.requests.jwks).toBe(1)
  })
})

describe('scope channel', () => {
  it('publishes a refusal with the required and granted scopes and the verified issuer', async () => {
    const as = await issuer()
    const guard = createGuard(options(as))
    const denied = listen<ScopeDeniedMessage>(channels.scopeDenied)
    const auth = await guard.verify(await as.sign({ client_id: 'svc-c', scope: 'read' }))
    expect(() => guard.scopeCheck(['write'])(auth)).toThrow()
    guard.scopeCheck(['read'])(auth)
    expect(denied).toEqual([
      {
        required: ['write'],
        mode: 'all',
        granted: ['read'],
        issuer: as.issuer,
        clientId: 'svc-c',
        code: 'insufficient_scope',
        reason: 'insufficient_scope',
      },
    ])
  })
})
