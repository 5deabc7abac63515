/**
 * `pnpm bench [--quick] [--only=verify,http,memory,dpop]`: bearer-guard side by side with its peers and with the
 * raw node:crypto signature check, against one JWKS server on 127.0.0.1 and the same tokens for everyone.
 * Prints markdown tables; writes JSON, markdown and an SVG chart to bench/results/. See README.md.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { createTestIssuer } from '@bearer-guard/testing'
import { runDpopBench } from './lib/dpop.mjs'
import { runHttpBench, startServers, stopServers } from './lib/http.mjs'
import { describeMachine } from './lib/machine.mjs'
import { runMemoryBench } from './lib/memory.mjs'
import { chart, evaluateTargets, markdown } from './lib/report.mjs'
import { forge, mint, tokenMinter } from './lib/tokens.mjs'
import { runVerifyBench } from './lib/verify.mjs'

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    // Development filters: a subset of phases, HTTP scenarios or frameworks. Targets need the full set.
    only: { type: 'string', default: 'verify,http,memory,dpop' },
    scenarios: { type: 'string', default: 'warm,cold,invalid' },
    frameworks: { type: 'string', default: 'express,fastify,koa' },
    rounds: { type: 'string' },
  },
})
const only = new Set(args.only.split(','))
const filters = { scenarios: new Set(args.scenarios.split(',')), frameworks: new Set(args.frameworks.split(',')) }

const CONFIG = args.quick
  ? {
      quick: true,
      verify: { rounds: 4, durationMs: 20, poolSize: 2_000 },
      // No separate warm-up: the quick run is a smoke test of the whole pipeline, not a measurement to quote.
      http: { rounds: 1, durationSeconds: 0.6, warmupSeconds: 0, connections: 16, distinct: 2_000, forged: 500 },
      memory: { total: 20_000 },
      dpop: { rounds: 4, durationMs: 20, proofs: 4_000 },
    }
  : {
      quick: false,
      verify: { rounds: 12, durationMs: 100, poolSize: 5_000 },
      http: { rounds: 6, durationSeconds: 1, warmupSeconds: 2, connections: 16, distinct: 10_000, forged: 1_000 },
      memory: { total: 1_000_000 },
      dpop: { rounds: 12, durationMs: 100, proofs: 40_000 },
    }

if (args.rounds !== undefined) {
  CONFIG.http.rounds = Number(args.rounds)
  CONFIG.verify.rounds = Number(args.rounds)
}

const RESULTS = fileURLToPath(new URL('./results/', import.meta.url))
const started = performance.now()
const log = (message) => process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(1)}s] ${message}\n`)

const machine = describeMachine()
// One issuer, one JWKS with an RSA, an EC and an Ed25519 key: every contender fetches from it.
const issuer = await createTestIssuer({ alg: 'RS256' })
const kids = { RS256: issuer.kids[0], ES256: await issuer.rotate({ alg: 'ES256' }), EdDSA: await issuer.rotate({ alg: 'EdDSA' }) }
const minters = Object.fromEntries(Object.entries(kids).map(([alg, kid]) => [alg, tokenMinter(issuer, kid, alg)]))

let verify = []
let http = []
let memory
let dpop = []
try {
  if (only.has('verify')) {
    const algorithms = Object.keys(kids).map((alg) => ({ alg, kid: kids[alg], tokens: mint(minters[alg], CONFIG.verify.poolSize) }))
    log(`minted ${CONFIG.verify.poolSize} tokens per algorithm`)
    verify = await runVerifyBench({ issuer, algorithms, ...CONFIG.verify, log })
  }
  if (only.has('http')) {
    const coldTokens = mint(minters.RS256, CONFIG.http.distinct)
    const tokens = { warmToken: minters.RS256(), coldTokens, forgedTokens: mint(minters.RS256, CONFIG.http.forged).map(forge) }
    log(`minted ${coldTokens.length} RS256 tokens for HTTP`)
    const servers = await startServers(issuer, tokens, filters.frameworks)
    log(`${servers.length} servers up`)
    try {
      http = await runHttpBench({ servers, tokens, scenarioIds: filters.scenarios, ...CONFIG.http, log })
    } finally {
      stopServers(servers)
    }
  }
  if (only.has('memory')) {
    log(`memory: ${CONFIG.memory.total} tokens`)
    memory = await runMemoryBench({ issuer, minter: minters.ES256, total: CONFIG.memory.total })
  }
  if (only.has('dpop')) {
    log('dpop: per-request proof cost')
    dpop = await runDpopBench({ issuer, kids, ...CONFIG.dpop, log })
  }
} finally {
  await issuer.close()
}

// Other work on the machine shows up as load: a high figure at either end means noisier ratios.
machine.loadAverageEnd = loadavg().map((n) => Math.round(n * 100) / 100)
machine.seconds = Math.round((performance.now() - started) / 1000)
const targets = evaluateTargets({ http, verify, memory })
const report = { machine, config: CONFIG, targets, http, verify, memory, dpop }
const md = markdown(report)
const name = CONFIG.quick ? 'quick' : 'latest'
await mkdir(RESULTS, { recursive: true })
await writeFile(`${RESULTS}${name}.json`, `${JSON.stringify(report, null, 2)}\n`)
await writeFile(`${RESULTS}${name}.md`, `${md}\n`)
await writeFile(`${RESULTS}${CONFIG.quick ? 'quick-chart' : 'chart'}.svg`, chart(report))
if (!CONFIG.quick && ['verify', 'http', 'memory'].every((phase) => only.has(phase))) await updateReadme(md)
process.stdout.write(`${md}\n`)
log(`done; results in bench/results/${name}.{json,md}`)

/** Puts the full run's tables into README.md between its results markers, headings one level down. */
async function updateReadme(tables) {
  const file = fileURLToPath(new URL('./README.md', import.meta.url))
  const readme = await readFile(file, 'utf8')
  const start = '<!-- results:start -->'
  const end = '<!-- results:end -->'
  const body = tables
    .replace(/^# .*\n+/, '')
    .replace(/^(#{2,}) /gm, '#$1 ')
    .trim()
  const from = readme.indexOf(start)
  const to = readme.indexOf(end)
  if (from === -1 || to === -1) return
  await writeFile(file, `${readme.slice(0, from + start.length)}\n${body}\n${readme.slice(to)}`)
}
