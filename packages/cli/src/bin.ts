#!/usr/bin/env node
import { main } from './main.js'

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length
    chunks.push(chunk as Buffer)
    // Stop reading early: main refuses anything this large anyway.
    if (size > 1_048_576 + 1) break
  }
  return Buffer.concat(chunks).toString('utf8')
}

main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  readStdin,
  stdinIsTTY: process.stdin.isTTY === true,
  env: process.env,
}).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    process.stderr.write(`bearer-guard: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
    process.exitCode = 70
  },
)
