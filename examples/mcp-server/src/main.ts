#!/usr/bin/env node
/** `pnpm demo:mcp`: exits 0 when every step behaved as expected, 1 when one did not. */
import { runMcpDemo } from './demo.js'

const started = performance.now()
const demo = await runMcpDemo().catch((error: unknown) => {
  console.error('The MCP demo could not run:', error)
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
await demo.stop()
