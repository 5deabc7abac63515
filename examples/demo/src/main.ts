#!/usr/bin/env node
/**
 * `pnpm demo [--framework express|koa|fastify] [--keep] [--dpop]`, or DEMO_FRAMEWORK / DEMO_KEEP=1 / DEMO_DPOP=1.
 * Exits 0 when every step behaved as expected, 1 when one did not, 2 on bad arguments.
 */
import { parseArgs } from 'node:util'
import { FRAMEWORKS, isFramework } from './frameworks.js'

const USAGE = `usage: pnpm demo [--framework ${FRAMEWORKS.join('|')}] [--keep] [--dpop]
  --framework, -f   which adapter protects the API (default express; env DEMO_FRAMEWORK)
  --keep, -k        leave the servers running and print curl commands to try (env DEMO_KEEP=1)
  --dpop            DPoP-bound tokens (RFC 9449): proofs per call, and the attacks they stop (env DEMO_DPOP=1)`

let values: { framework?: string | undefined; keep?: boolean | undefined; dpop?: boolean | undefined; help?: boolean | undefined }
try {
  ;({ values } = parseArgs({
    options: {
      framework: { type: 'string', short: 'f' },
      keep: { type: 'boolean', short: 'k' },
      dpop: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  }))
} catch (error) {
  console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`)
  process.exit(2)
}
if (values.help) {
  console.log(USAGE)
  process.exit(0)
}
const framework = values.framework ?? process.env.DEMO_FRAMEWORK ?? 'express'
if (!isFramework(framework)) {
  console.error(`unknown framework "${framework}"\n${USAGE}`)
  process.exit(2)
}
const keep = values.keep === true || ['1', 'true', 'yes'].includes(process.env.DEMO_KEEP ?? '')
const dpop = values.dpop === true || ['1', 'true', 'yes'].includes(process.env.DEMO_DPOP ?? '')

const started = performance.now()
// Loaded only now: the servers' modules take a moment, which a usage error should not wait for.
const runDemo = dpop ? (await import('./dpop-demo.js')).runDpopDemo : (await import('./demo.js')).runDemo
const demo = await runDemo({ framework }).catch((error: unknown) => {
  console.error('The demo could not run:', error)
  process.exit(1)
})
const seconds = ((performance.now() - started) / 1000).toFixed(1)
const total = demo.passed + demo.failed
console.log(
  demo.failed === 0
    ? `Every step behaved as expected (${demo.passed} of ${total}), in ${seconds} s.`
    : `${demo.failed} of ${total} steps did NOT behave as expected.`,
)
process.exitCode = demo.failed === 0 ? 0 : 1

if (keep) {
  console.log(`\nThe servers keep running (authorization server ${demo.issuer}, API ${demo.apiUrl}). Try:\n`)
  for (const line of demo.curlCommands) console.log(line)
  console.log('\nPress Ctrl-C to stop.')
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
  })
}
await demo.stop()
