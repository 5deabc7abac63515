/**
 * Memory under a stream of distinct valid tokens (the verified-token cache's worst case: every token is new).
 * Runs in a child process with --expose-gc so the figures are the guard's alone. LOAD_TOKENS sets the count
 * (CI default in support/runs.ts; SECURITY.md reports a 1,000,000-token run). The heap may not grow beyond
 * what the bounded cache holds: a per-token leak of even a token string's size would show.
 */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { loadTokens } from '../security/support/runs.js'

const run = promisify(execFile)

interface MemoryFigures {
  readonly tokens: number
  readonly accepted: number
  readonly cacheEntries: number
  readonly cacheSize: number
  readonly jwksFetches: number
  readonly seconds: number
  readonly heapGrowthMb: number
  readonly rssGrowthMb: number
  readonly rssPeakGrowthMb: number
}

describe('memory', () => {
  const tokens = loadTokens()
  it(`${tokens} distinct valid tokens: heap bounded by the token cache, one JWKS fetch`, { timeout: 60_000 + tokens / 2 }, async () => {
    const worker = fileURLToPath(new URL('./memory-worker.mjs', import.meta.url))
    const { stdout } = await run(process.execPath, ['--expose-gc', worker], {
      env: { ...process.env, LOAD_TOKENS: String(tokens) },
      maxBuffer: 1024 * 1024,
    })
    const figures = JSON.parse(stdout.trim().split('\n').pop() as string) as MemoryFigures
    console.info(`[figures] memory: ${JSON.stringify(figures)}`)
    expect(figures.accepted).toBe(tokens)
    expect(figures.cacheSize).toBe(figures.cacheEntries)
    expect(figures.jwksFetches).toBe(1)
    // A full cache (1,000 entries) is already in the baseline, so growth must not scale with the token count:
    // at the CI size, retaining even 160 bytes a token (a quarter of one token string) would exceed this.
    expect(figures.heapGrowthMb).toBeLessThan(4)
    // RSS is allocator-dependent (freed pages are not always returned): a loose bound, reported in SECURITY.md.
    expect(figures.rssGrowthMb).toBeLessThan(128)
  })
})
