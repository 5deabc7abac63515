/**
 * Server nonces (RFC 9449 §9) across instances, and the replay store: the in-memory default's bounds and
 * expiry, and failing closed (503 + Retry-After) when a store throws, hangs or fills, recovering after.
 */
import { createGuard, createMemoryReplayStore, type ReplayStore } from '@bearer-guard/core'
import { createDpopKey, createTestIssuer } from '@bearer-guard/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { fakeClock, rejection } from '../helpers.js'
import { dpopRequest, guardOptions, URL_BASE } from './support.js'

const as = await createTestIssuer({ alg: 'ES256' })
afterAll(() => as.close())
const key = await createDpopKey('EdDSA')
const SECRET = 'a nonce secret shared by every instance of the api'

async function requestWith(token: string, options: { nonce?: string; iat?: number } = {}) {
  return dpopRequest(token, { proof: await key.proof({ method: 'GET', url: `${URL_BASE}/things`, accessToken: token, ...options }) })
}

describe('server nonces', () => {
  it('a proof without nonce gets use_dpop_nonce and a DPoP-Nonce; the retry with it passes on any instance', async () => {
    const clock = fakeClock()
    const one = createGuard(guardOptions(as, { clock: clock.clock, dpop: { nonce: { secret: SECRET, rotation: 60 } } }))
    const two = createGuard(guardOptions(as, { clock: clock.clock, dpop: { nonce: { secret: SECRET, rotation: 60 } } }))
    const token = await as.sign({ cnf: { jkt: key.jkt } })
    const first = await rejection(one.authenticate(await requestWith(token, { iat: clock.seconds() })))
    expect(first.status).toBe(401)
    expect(first.code).toBe('use_dpop_nonce')
    const nonce = first.headers['dpop-nonce'] as string
    expect(nonce).toMatch(/^[0-9a-z]+\.[A-Za-z0-9_-]{22}$/)
    expect(first.headers['www-authenticate']).toContain('DPoP error="use_dpop_nonce"')
    await expect(two.authenticate(await requestWith(token, { nonce, iat: clock.seconds() }))).resolves.toBeDefined()
    // Still accepted in the next window, refused the one after, with a new nonce offered.
    clock.advance(60_000)
    await expect(one.authenticate(await requestWith(token, { nonce, iat: clock.seconds() }))).resolves.toBeDefined()
    clock.advance(60_000)
    const stale = await rejection(one.authenticate(await requestWith(token, { nonce, iat: clock.seconds() })))
    expect(stale.code).toBe('use_dpop_nonce')
    expect(stale.headers['dpop-nonce']).not.toBe(nonce)
  })

  it('another secret, a forged or a non-canonical nonce is refused', async () => {
    const clock = fakeClock()
    const ours = createGuard(guardOptions(as, { clock: clock.clock, dpop: { nonce: { secret: SECRET } } }))
    const theirs = createGuard(guardOptions(as, { clock: clock.clock, dpop: { nonce: { secret: `${SECRET}, another` } } }))
    const token = await as.sign({ cnf: { jkt: key.jkt } })
    const nonce = (await rejection(theirs.authenticate(await requestWith(token, { iat: clock.seconds() })))).headers['dpop-nonce'] as string
    for (const bad of [nonce, `${nonce.split('.')[0]}.AAAAAAAAAAAAAAAAAAAAAA`, `${nonce}A`, 'zz', '.x', 'x'.repeat(100)]) {
      const error = await rejection(ours.authenticate(await requestWith(token, { nonce: bad, iat: clock.seconds() })))
      expect(error.code, bad).toBe('use_dpop_nonce')
    }
  })
})

describe('replay store', () => {
  it('in memory: bounded; full of live proofs it answers 503, and recovers as they expire', async () => {
    const clock = fakeClock()
    const guard = createGuard(
      guardOptions(as, {
        clock: clock.clock,
        dpop: { maxProofAge: 10, replayStore: createMemoryReplayStore({ maxEntries: 2, clock: clock.clock }) },
      }),
    )
    const token = await as.sign({ cnf: { jkt: key.jkt } })
    await guard.authenticate(await requestWith(token, { iat: clock.seconds() }))
    await guard.authenticate(await requestWith(token, { iat: clock.seconds() }))
    const full = await rejection(guard.authenticate(await requestWith(token, { iat: clock.seconds() })))
    expect({ status: full.status, description: full.description, retry: full.headers['retry-after'] }).toEqual({
      status: 503,
      description: 'replay protection temporarily unavailable',
      retry: '1',
    })
    expect(full.cause).toMatchObject({ reason: 'replay_store_unavailable', error: { name: 'ReplayStoreFullError' } })
    clock.advance(16_000) // past maxProofAge + clockTolerance
    await expect(guard.authenticate(await requestWith(token, { iat: clock.seconds() }))).resolves.toBeDefined()
  })

  it('entries live as long as the proof is acceptable, and no longer', async () => {
    const clock = fakeClock()
    const store = createMemoryReplayStore({ clock: clock.clock })
    const ttls: number[] = []
    const spy: ReplayStore = {
      useOnce(k, ttl) {
        ttls.push(ttl)
        return store.useOnce(k, ttl)
      },
    }
    const guard = createGuard(guardOptions(as, { clock: clock.clock, clockTolerance: 5, dpop: { maxProofAge: 30, replayStore: spy } }))
    const token = await as.sign({ cnf: { jkt: key.jkt } })
    const request = await requestWith(token, { iat: clock.seconds() - 10 })
    await guard.authenticate(request)
    expect(ttls).toEqual([25_000])
    clock.advance(24_000)
    expect((await rejection(guard.authenticate(request))).description).toBe('DPoP proof replayed')
    clock.advance(2_000)
    expect((await rejection(guard.authenticate(request))).description).toBe('DPoP proof too old')
  })

  it('a store that throws or rejects: 503 with Retry-After, the cause kept; recovers when it answers again', async () => {
    let down = true
    const memory = createMemoryReplayStore()
    const store: ReplayStore = {
      useOnce(k, ttl) {
        if (down) return Promise.reject(new Error('ECONNREFUSED'))
        return memory.useOnce(k, ttl)
      },
    }
    const guard = createGuard(guardOptions(as, { dpop: { replayStore: store } }))
    const token = await as.sign({ cnf: { jkt: key.jkt } })
    const error = await rejection(guard.authenticate(await requestWith(token)))
    expect(error.status).toBe(503)
    expect(error.headers).toEqual({ 'retry-after': '1', 'cache-control': 'no-store' })
    expect(error.toJSON()).toEqual({ error: 'temporarily_unavailable', error_description: 'replay protection temporarily unavailable' })
    expect(error.cause).toMatchObject({ reason: 'replay_store_unavailable', detail: 'ECONNREFUSED' })
    down = false
    await expect(guard.authenticate(await requestWith(token))).resolves.toBeDefined()
    const sync = createGuard(
      guardOptions(as, {
        dpop: {
          replayStore: {
            useOnce: () => {
              throw new Error('sync')
            },
          },
        },
      }),
    )
    expect((await rejection(sync.authenticate(await requestWith(token)))).status).toBe(503)
    const liar = createGuard(guardOptions(as, { dpop: { replayStore: { useOnce: () => 'OK' as never } } }))
    expect((await rejection(liar.authenticate(await requestWith(token)))).status).toBe(503)
  })

  it('a store that hangs: 503 after replayStoreTimeout', async () => {
    const guard = createGuard(
      guardOptions(as, { dpop: { replayStore: { useOnce: () => new Promise<boolean>(() => {}) }, replayStoreTimeout: 50 } }),
    )
    const token = await as.sign({ cnf: { jkt: key.jkt } })
    const started = Date.now()
    const error = await rejection(guard.authenticate(await requestWith(token)))
    expect(error.status).toBe(503)
    expect(Date.now() - started).toBeLessThan(1000)
  })

  it('invalid proofs never reach the store', async () => {
    let calls = 0
    const counting: ReplayStore = {
      useOnce() {
        calls += 1
        return true
      },
    }
    const guard = createGuard(guardOptions(as, { dpop: { replayStore: counting } }))
    const token = await as.sign({ cnf: { jkt: key.jkt } })
    await rejection(
      guard.authenticate(dpopRequest(token, { proof: await key.proof({ method: 'POST', url: `${URL_BASE}/things`, accessToken: token }) })),
    )
    expect(calls).toBe(0)
    await guard.authenticate(await requestWith(token))
    expect(calls).toBe(1)
  })
})
