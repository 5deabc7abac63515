/** Runs `memory-child.mjs` and feeds it freshly minted tokens, one batch ahead. */
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { mint } from './tokens.mjs'

const CHILD = fileURLToPath(new URL('./memory-child.mjs', import.meta.url))
const BATCH = 2000

export function memoryCheckpoints(total) {
  const points = [1_000, 10_000, 100_000, 250_000, 500_000, 1_000_000].filter((n) => n < total)
  return [...points, total]
}

export function runMemoryBench({ issuer, minter, total }) {
  const checkpoints = memoryCheckpoints(total)
  return new Promise((resolve, reject) => {
    const child = fork(CHILD, [], {
      execArgv: ['--expose-gc'],
      env: {
        ...process.env,
        BENCH_MEMORY: JSON.stringify({ issuer: issuer.issuer, audience: issuer.audience, jwksUri: issuer.jwksUri, checkpoints }),
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    let ready = mint(minter, BATCH)
    child.on('message', (message) => {
      if (message.need) {
        child.send(ready ?? mint(minter, BATCH))
        ready = undefined
        // Mint the next batch while the child verifies this one.
        setImmediate(() => {
          ready ??= mint(minter, BATCH)
        })
      } else if (message.result) {
        child.kill()
        resolve({ total, ...message.result })
      }
    })
    child.once('exit', (code) => (code === 0 || code === null ? undefined : reject(new Error(`memory probe exited with ${code}`))))
  })
}
