/**
 * Verify throughput and latency, library against library, no HTTP. Every contender gets the same tokens:
 * `cold` cycles through a pool larger than any cache in the field (bearer-guard's and fast-jwt's default
 * 1,000 entries, LRU), so every call is a miss; `warm` repeats one token. `sequential` awaits each call
 * before the next; `64 in flight` keeps 64 calls outstanding (what a busy server does to an async API).
 */
import { createPublicKey, verify as cryptoVerify } from 'node:crypto'
import dc from 'node:diagnostics_channel'
import { performance } from 'node:perf_hooks'
import { channels, createGuard } from '@bearer-guard/core'
import { createVerifier } from 'fast-jwt'
import { createLocalJWKSet, jwtVerify } from 'jose'
import jsonwebtoken from 'jsonwebtoken'
import { LatencyRing, round } from './stats.mjs'
import { forge } from './tokens.mjs'

const RAW = {
  RS256: { hash: 'sha256', params: (key) => key },
  ES256: { hash: 'sha256', params: (key) => ({ key, dsaEncoding: 'ieee-p1363' }) },
  EdDSA: { hash: null, params: (key) => key },
}

export const VERIFY_CONTENDERS = [
  {
    id: 'node-crypto',
    label: 'node:crypto verify (limit)',
    async make({ alg, tokens, jwk }) {
      const { hash, params } = RAW[alg]
      const key = params(createPublicKey({ key: jwk, format: 'jwk' }))
      // Only the primitive is timed: splitting and decoding happen here, outside the measurement.
      const prepared = tokens.map((token) => {
        const dot = token.lastIndexOf('.')
        return { input: Buffer.from(token.slice(0, dot)), signature: Buffer.from(token.slice(dot + 1), 'base64url') }
      })
      return {
        verify: (i) => cryptoVerify(hash, prepared[i].input, key, prepared[i].signature),
        check: (token) => {
          const dot = token.lastIndexOf('.')
          return cryptoVerify(hash, Buffer.from(token.slice(0, dot)), key, Buffer.from(token.slice(dot + 1), 'base64url'))
        },
      }
    },
  },
  {
    id: 'bearer-guard',
    label: 'bearer-guard guard.verify',
    async make({ tokens, issuer }) {
      const guard = createGuard({ issuer: issuer.issuer, audience: issuer.audience, jwksUri: issuer.jwksUri })
      return { verify: (i) => guard.verify(tokens[i]), check: (token) => guard.verify(token).then(() => true) }
    },
  },
  {
    id: 'bearer-guard-traced',
    label: 'bearer-guard, one diagnostics subscriber',
    // The cost of observability: the same guard while one subscriber (what a metrics recipe does: time each
    // verification, count it by outcome) listens. Channels are process-wide, so the subscriber is attached
    // only around this contender's own slices (enter/leave) and every other contender runs unobserved.
    async make({ tokens, issuer }) {
      const guard = createGuard({ issuer: issuer.issuer, audience: issuer.audience, jwksUri: issuer.jwksUri })
      const tracing = dc.tracingChannel(channels.verify)
      const started = new WeakMap()
      const counts = new Map()
      const subscriber = {
        start: (message) => started.set(message, performance.now()),
        end() {},
        asyncStart() {},
        error() {},
        asyncEnd(message) {
          const elapsed = performance.now() - (started.get(message) ?? 0)
          const key = message.outcome ?? 'rejected'
          counts.set(key, (counts.get(key) ?? 0) + elapsed)
        },
      }
      return {
        verify: (i) => guard.verify(tokens[i]),
        check: (token) => guard.verify(token).then(() => true),
        enter: () => tracing.subscribe(subscriber),
        leave: () => tracing.unsubscribe(subscriber),
      }
    },
  },
  {
    id: 'jose',
    label: 'jose jwtVerify (local JWKS)',
    async make({ alg, tokens, issuer }) {
      const jwks = createLocalJWKSet(issuer.jwks())
      const options = { issuer: issuer.issuer, audience: issuer.audience, algorithms: [alg] }
      return { verify: (i) => jwtVerify(tokens[i], jwks, options), check: (token) => jwtVerify(token, jwks, options).then(() => true) }
    },
  },
  {
    id: 'fast-jwt',
    label: 'fast-jwt',
    async make({ alg, tokens, issuer, pem }) {
      const verifier = createVerifier({ key: pem, algorithms: [alg], allowedIss: issuer.issuer, allowedAud: issuer.audience })
      return { verify: (i) => verifier(tokens[i]), check: (token) => Boolean(verifier(token)) }
    },
  },
  {
    id: 'fast-jwt-cache',
    label: 'fast-jwt (cache: true)',
    async make({ alg, tokens, issuer, pem }) {
      const verifier = createVerifier({ key: pem, algorithms: [alg], allowedIss: issuer.issuer, allowedAud: issuer.audience, cache: true })
      return { verify: (i) => verifier(tokens[i]), check: (token) => Boolean(verifier(token)) }
    },
  },
  {
    id: 'jsonwebtoken',
    label: 'jsonwebtoken (express-jwt, koa-jwt)',
    // jsonwebtoken 9 has no EdDSA.
    supports: (alg) => alg !== 'EdDSA',
    async make({ alg, tokens, issuer, pem }) {
      const options = { algorithms: [alg], issuer: issuer.issuer, audience: issuer.audience }
      return {
        verify: (i) => jsonwebtoken.verify(tokens[i], pem, options),
        check: (token) => Boolean(jsonwebtoken.verify(token, pem, options)),
      }
    },
  },
]

export const MODES = [
  { id: 'cold-seq', temperature: 'cold', inFlight: 1 },
  { id: 'cold-64', temperature: 'cold', inFlight: 64 },
  { id: 'warm-seq', temperature: 'warm', inFlight: 1 },
  { id: 'warm-64', temperature: 'warm', inFlight: 64 },
]

function poolCursor(size) {
  let i = 0
  return {
    next() {
      i = i + 1 === size ? 0 : i + 1
      return i
    },
  }
}

const isThenable = (value) => value !== null && typeof value === 'object' && typeof value.then === 'function'

/**
 * One timed slice, adding its latencies to `ring`. `cursor` persists across a contender's slices: its cold
 * pool is walked as one endless cycle, so an LRU cache smaller than the pool never holds the next token.
 */
async function measure(verify, cursor, temperature, inFlight, durationMs, ring) {
  let n = 0
  const next = temperature === 'warm' ? () => 0 : () => cursor.next()
  const start = performance.now()
  const end = start + durationMs
  if (inFlight === 1) {
    let t = start
    while (t < end) {
      const result = verify(next())
      if (isThenable(result)) await result
      const after = performance.now()
      ring.add(after - t)
      t = after
      n++
    }
  } else {
    const lane = async () => {
      while (performance.now() < end) {
        const index = next()
        n++
        const t = performance.now()
        await verify(index)
        ring.add(performance.now() - t)
      }
    }
    await Promise.all(Array.from({ length: inFlight }, lane))
  }
  return { ops: n, ms: performance.now() - start }
}

/** Runs `fn` with the contender's subscriber (if it has one) attached. */
async function observed(instance, fn) {
  instance.enter?.()
  try {
    return await fn()
  } finally {
    instance.leave?.()
  }
}

/** Refuses to time a contender that does not accept a good token and reject a forged one. */
async function sanityCheck(contender, instance, token) {
  const ok = await Promise.resolve()
    .then(() => instance.check(token))
    .catch((error) => error)
  if (ok !== true) throw new Error(`${contender.id}: rejected a valid token: ${ok?.message ?? ok}`)
  const bad = await Promise.resolve()
    .then(() => instance.check(forge(token)))
    .catch(() => false)
  if (bad !== false) throw new Error(`${contender.id}: accepted a forged token`)
}

/**
 * Runs every contender on every algorithm and mode, interleaved in short slices: each round visits all
 * contenders of a mode back to back (rotating who goes first), so the machine's noise spreads evenly
 * over them instead of landing on one. A contender's rate is its total operations over its total time.
 * No GC is forced between slices: a contender's garbage is part of its cost.
 */
export async function runVerifyBench({ issuer, algorithms, rounds, durationMs, log }) {
  const results = []
  for (const { alg, kid, tokens } of algorithms) {
    const jwk = issuer.publicJwk(kid)
    const pem = createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' })
    const contenders = []
    for (const contender of VERIFY_CONTENDERS) {
      if (contender.supports && !contender.supports(alg)) continue
      const instance = await contender.make({ alg, tokens, issuer, jwk, pem })
      await observed(instance, () => sanityCheck(contender, instance, tokens[0]))
      const cursor = poolCursor(tokens.length)
      // Warm-up: lets V8 optimise each contender's code before anything is timed.
      await observed(instance, () => measure(instance.verify, cursor, 'cold', 1, Math.max(50, durationMs), new LatencyRing(1024)))
      contenders.push({ contender, instance, cursor })
    }
    for (const mode of MODES) {
      globalThis.gc?.()
      const runs = new Map(contenders.map(({ contender }) => [contender.id, { ring: new LatencyRing(), slices: [] }]))
      for (let r = 0; r < rounds; r++) {
        for (let c = 0; c < contenders.length; c++) {
          const { contender, instance, cursor } = contenders[(c + r) % contenders.length]
          const run = runs.get(contender.id)
          run.slices.push(
            await observed(instance, () => measure(instance.verify, cursor, mode.temperature, mode.inFlight, durationMs, run.ring)),
          )
        }
      }
      for (const { contender } of contenders) {
        const { ring, slices } = runs.get(contender.id)
        const ops = slices.reduce((sum, s) => sum + s.ops, 0)
        const ms = slices.reduce((sum, s) => sum + s.ms, 0)
        const { p50, p99 } = ring.percentiles()
        results.push({
          alg,
          mode: mode.id,
          temperature: mode.temperature,
          inFlight: mode.inFlight,
          contender: contender.id,
          label: contender.label,
          opsPerSec: round((ops / ms) * 1000),
          p50us: round(p50, 2),
          p99us: round(p99, 2),
          sliceOpsPerSec: slices.map((s) => round((s.ops / s.ms) * 1000)),
        })
      }
      log?.(`verify ${alg} ${mode.id} done`)
    }
  }
  return results
}
