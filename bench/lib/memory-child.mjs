/**
 * Memory probe, in its own process (run with --expose-gc) so nothing else lives on its heap: pushes
 * distinct ES256 tokens through one guard's `verify` and samples heap and RSS after a full GC at
 * checkpoints. Tokens arrive from the parent over IPC in batches (the parent mints them on the other
 * core), so the probe's heap only ever holds one batch.
 */
import { createGuard } from '@bearer-guard/core'

const { issuer, audience, jwksUri, checkpoints } = JSON.parse(process.env.BENCH_MEMORY)
const guard = createGuard({ issuer, audience, jwksUri })
const MB = 2 ** 20

function sample(tokens) {
  globalThis.gc()
  globalThis.gc()
  const { heapUsed, rss, external, arrayBuffers } = process.memoryUsage()
  return {
    tokens,
    heapUsedMB: Math.round((heapUsed / MB) * 10) / 10,
    rssMB: Math.round((rss / MB) * 10) / 10,
    externalMB: Math.round(((external + arrayBuffers) / MB) * 10) / 10,
    cacheEntries: guard.cacheSize,
  }
}

const nextBatch = () =>
  new Promise((resolve) => {
    process.once('message', resolve)
    process.send({ need: true })
  })

const samples = []
let done = 0
let rejected = 0
const started = performance.now()
const first = await nextBatch()
await guard.verify(first[0])
done = 1
samples.push(sample(done))
let batch = first.slice(1)
const target = checkpoints[checkpoints.length - 1]
let checkpoint = 0
while (done < target) {
  for (const token of batch) {
    // Every token is valid; a rejection would mean the probe measured the wrong thing.
    await guard.verify(token).catch(() => rejected++)
    done++
    if (done === checkpoints[checkpoint]) {
      samples.push(sample(done))
      checkpoint++
    }
    if (done === target) break
  }
  if (done < target) batch = await nextBatch()
}
process.send({ result: { samples, rejected, seconds: (performance.now() - started) / 1000 } })
