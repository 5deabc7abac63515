/**
 * HTTP throughput and latency with autocannon on 127.0.0.1: each framework bare, with bearer-guard's
 * adapter, and with each peer middleware. Every server runs in its own child process; autocannon runs in
 * this one. All servers stay up for the whole run so rounds can alternate between them.
 */
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { median, medianSample, round } from './stats.mjs'

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
    { id: 'warm', label: 'one repeated token', next: () => warmToken, expectedRejects: 0 },
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
  return autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration: durationSeconds,
    requests: [
      {
        method: 'GET',
        path: '/things',
        setupRequest: (request) => {
          request.headers = { ...request.headers, authorization: `Bearer ${scenario.next(n++)}` }
          return request
        },
      },
    ],
  })
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
  for (const server of servers) await cannon(server.port, all[1], { durationSeconds: warmupSeconds, connections })
  const results = []
  for (const scenario of list) {
    const samples = new Map(servers.map((s) => [s, []]))
    for (let r = 0; r < rounds; r++) {
      // Alternate the order each round so no contender always runs right after the same neighbour.
      const order = r % 2 === 0 ? servers : [...servers].reverse()
      for (const server of order) {
        const result = await cannon(server.port, scenario, { durationSeconds, connections })
        const total = result.requests.total
        samples.get(server).push({
          reqPerSec: total / result.duration,
          p50ms: result.latency.p50,
          p99ms: result.latency.p99,
          rejected: result.non2xx / Math.max(1, total),
          errors: result.errors + result.timeouts,
        })
      }
    }
    for (const server of servers) {
      const list2 = samples.get(server)
      const mid = medianSample(list2, 'reqPerSec')
      results.push({
        scenario: scenario.id,
        scenarioLabel: scenario.label,
        framework: server.framework,
        contender: server.contender,
        label: server.label,
        reqPerSec: round(median(list2.map((s) => s.reqPerSec))),
        p50ms: mid.p50ms,
        p99ms: mid.p99ms,
        rejectedShare: round(mid.rejected, 3),
        expectedRejectedShare: server.contender === 'bare' ? 0 : scenario.expectedRejects,
        errors: mid.errors,
        samples: list2.map((s) => round(s.reqPerSec)),
      })
    }
    log?.(`http ${scenario.id} done`)
  }
  // Ratio to the bare route of the same framework and scenario.
  for (const row of results) {
    const bare = results.find((b) => b.scenario === row.scenario && b.framework === row.framework && b.contender === 'bare')
    row.ratioToBare = round(row.reqPerSec / bare.reqPerSec, 3)
  }
  return results
}
