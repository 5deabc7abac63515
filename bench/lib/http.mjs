/**
 * HTTP throughput and latency with autocannon on 127.0.0.1: each framework bare, with bearer-guard's
 * adapter, and with each peer middleware. Every server runs in its own child process; autocannon runs in
 * this one. All servers stay up for the whole run so rounds can alternate between them.
 */
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { median, round } from './stats.mjs'

const SERVER = fileURLToPath(new URL('../servers/server.mjs', import.meta.url))

export const HTTP_CONTENDERS = [
  { framework: 'express', contender: 'bare' },
  { framework: 'express', contender: 'bearer-guard' },
  { framework: 'express', contender: 'express-oauth2-jwt-bearer' },
  { framework: 'express', contender: 'express-jwt', label: 'express-jwt + jwks-rsa' },
  { framework: 'fastify', contender: 'bare' },
  { framework: 'fastify', contender: 'bearer-guard' },
  { framework: 'fastify', contender: '@fastify/jwt', label: '@fastify/jwt + get-jwks' },
  { framework: 'koa', contender: 'bare' },
  { framework: 'koa', contender: 'bearer-guard' },
  { framework: 'koa', contender: 'koa-jwt', label: 'koa-jwt + jwks-rsa' },
]

/**
 * `warm`: every request carries the same valid token (one machine-to-machine client).
 * `cold`: each request the next of N distinct valid tokens, more than any cache holds.
 * `invalid`: as warm, but every 10th request carries a forged token (bad signature), which must get 401.
 */
export function scenarios({ warmToken, coldTokens, forgedTokens }) {
  return [
    // A fixed request: the load generator then spends nothing per request, and the server is the bottleneck.
    { id: 'warm', label: 'one repeated token', next: () => warmToken, fixed: true, expectedRejects: 0 },
    {
      id: 'cold',
      label: `${coldTokens.length.toLocaleString('en-US')} distinct tokens`,
      next: (n) => coldTokens[n % coldTokens.length],
      expectedRejects: 0,
    },
    {
      id: 'invalid',
      label: '10% invalid tokens',
      next: (n) => (n % 10 === 9 ? forgedTokens[Math.floor(n / 10) % forgedTokens.length] : warmToken),
      expectedRejects: 0.1,
    },
  ]
}

function startServer(spec, issuer) {
  return new Promise((resolve, reject) => {
    const child = fork(SERVER, [], {
      env: {
        ...process.env,
        NODE_ENV: 'production',
        BENCH_SERVER: JSON.stringify({ ...spec, issuer: issuer.issuer, audience: issuer.audience, jwksUri: issuer.jwksUri }),
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    child.once('message', ({ port }) => resolve({ ...spec, label: spec.label ?? spec.contender, child, port }))
    child.once('exit', (code) => reject(new Error(`${spec.framework}/${spec.contender} server exited with ${code}`)))
  })
}

/** Refuses to time a server that does not do its job: 200 for a good token, 401 for none or a forged one. */
async function checkServer(server, { warmToken, forgedTokens }) {
  const url = `http://127.0.0.1:${server.port}/things`
  const status = async (token) => (await fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {})).status
  const good = await status(warmToken)
  const none = await status(undefined)
  const forged = await status(forgedTokens[0])
  const bare = server.contender === 'bare'
  if (good !== 200 || (!bare && (none !== 401 || forged !== 401))) {
    throw new Error(`${server.framework}/${server.contender}: good token ${good}, no token ${none}, forged token ${forged}`)
  }
}

function cannon(port, scenario, { durationSeconds, connections }) {
  let n = 0
  const request = scenario.fixed
    ? { method: 'GET', path: '/things', headers: { authorization: `Bearer ${scenario.next(0)}` } }
    : {
        method: 'GET',
        path: '/things',
        setupRequest: (req) => {
          req.headers = { ...req.headers, authorization: `Bearer ${scenario.next(n++)}` }
          return req
        },
      }
  return autocannon({ url: `http://127.0.0.1:${port}`, connections, duration: durationSeconds, requests: [request] })
}

function serverCpuMicros(server) {
  return new Promise((resolve) => {
    const onMessage = (message) => {
      if (message?.cpu === undefined) return
      server.child.off('message', onMessage)
      resolve(message.cpu.user + message.cpu.system)
    }
    server.child.on('message', onMessage)
    server.child.send('cpu')
  })
}

/** One autocannon run against `server`, with the server's own CPU time over it. */
async function measure(server, scenario, options) {
  const before = await serverCpuMicros(server)
  const result = await cannon(server.port, scenario, options)
  result.serverCpuMicros = (await serverCpuMicros(server)) - before
  return result
}

export async function startServers(issuer, tokens, frameworks) {
  const specs = HTTP_CONTENDERS.filter((spec) => frameworks === undefined || frameworks.has(spec.framework))
  const servers = await Promise.all(specs.map((spec) => startServer(spec, issuer)))
  for (const server of servers) await checkServer(server, tokens)
  return servers
}

export function stopServers(servers) {
  for (const server of servers) server.child.kill()
}

export async function runHttpBench({ servers, tokens, scenarioIds, rounds, durationSeconds, warmupSeconds, connections, log }) {
  const all = scenarios(tokens)
  const list = all.filter((s) => scenarioIds === undefined || scenarioIds.has(s.id))
  // Warm-up: JIT, JWKS fetch and keep-alive sockets, on the most demanding path (distinct tokens).
  if (warmupSeconds > 0) for (const server of servers) await cannon(server.port, all[1], { durationSeconds: warmupSeconds, connections })
  const results = []
  for (const scenario of list) {
    const runs = new Map(servers.map((s) => [s, []]))
    for (let r = 0; r < rounds; r++) {
      // Every server once per round, in an order that alternates, so noise spreads over all of them.
      const order = r % 2 === 0 ? servers : [...servers].reverse()
      for (const server of order) runs.get(server).push(await measure(server, scenario, { durationSeconds, connections }))
    }
    for (const server of servers) {
      const list2 = runs.get(server)
      const total = list2.reduce((sum, x) => sum + x.requests.total, 0)
      const seconds = list2.reduce((sum, x) => sum + x.duration, 0)
      const rejected = list2.reduce((sum, x) => sum + x.non2xx, 0)
      results.push({
        scenario: scenario.id,
        scenarioLabel: scenario.label,
        framework: server.framework,
        contender: server.contender,
        label: server.label,
        reqPerSec: round(total / seconds),
        cpuMicrosPerRequest: round(list2.reduce((sum, x) => sum + x.serverCpuMicros, 0) / Math.max(1, total), 1),
        p50ms: median(list2.map((x) => x.latency.p50)),
        p99ms: median(list2.map((x) => x.latency.p99)),
        rejectedShare: round(rejected / Math.max(1, total), 3),
        expectedRejectedShare: server.contender === 'bare' ? 0 : scenario.expectedRejects,
        errors: list2.reduce((sum, x) => sum + x.errors + x.timeouts, 0),
        roundReqPerSec: list2.map((x) => round(x.requests.total / x.duration)),
      })
    }
    log?.(`http ${scenario.id} done`)
  }
  // Ratio to the bare route of the same framework and scenario.
  for (const row of results) {
    const bare = results.find((b) => b.scenario === row.scenario && b.framework === row.framework && b.contender === 'bare')
    row.ratioToBare = round(row.reqPerSec / bare.reqPerSec, 3)
    row.cpuRatioToBare = round(row.cpuMicrosPerRequest / bare.cpuMicrosPerRequest, 3)
  }
  return results
}
