/**
 * Child process of memory.test.ts (run with --expose-gc, so the numbers are its own): verifies LOAD_TOKENS
 * distinct valid ES256 tokens (each twice, so each is cached) against the testing kit's real JWKS server and prints one JSON line with the
 * heap and RSS before (cache already full) and after. Tokens are minted with node:crypto, one at a time, so
 * the only thing that can hold memory is the guard.
 */
import { KeyObject, sign } from 'node:crypto'
import { createGuard } from '@bearer-guard/core'
import { createTestIssuer } from '@bearer-guard/testing'

const total = Number(process.env.LOAD_TOKENS ?? 100_000)
const cacheEntries = Number(process.env.LOAD_CACHE_ENTRIES ?? 1_000)
const gc = globalThis.gc
if (typeof gc !== 'function') throw new Error('run with --expose-gc')

const issuer = await createTestIssuer({ alg: 'ES256' })
const kid = issuer.kids[0]
const key = KeyObject.from(issuer.privateKey(kid))
const guard = createGuard({
  issuer: issuer.issuer,
  audience: issuer.audience,
  jwksUri: issuer.jwksUri,
  tokenCache: { maxEntries: cacheEntries },
})
const now = Math.floor(Date.now() / 1000)
const header = Buffer.from(JSON.stringify({ alg: 'ES256', typ: 'at+jwt', kid })).toString('base64url')

function mint(n) {
  const claims = {
    iss: issuer.issuer,
    aud: issuer.audience,
    sub: `client-${n}`,
    client_id: `client-${n}`,
    iat: now,
    exp: now + 3600,
    jti: `jti-${n}`,
    scope: 'read:data write:data',
  }
  const input = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`
  return `${input}.${sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`
}

const mb = (bytes) => Math.round((bytes / 2 ** 20) * 10) / 10
const settle = () => {
  gc()
  gc()
  return process.memoryUsage()
}

async function run(from, count) {
  let accepted = 0
  const batch = 100
  for (let i = from; i < from + count; i += batch) {
    const pending = []
    // Each token twice: the cache admits a token on its second verification, so every token enters the
    // cache and the bounded LRU churns at full size, the worst case for what the guard retains.
    for (let j = i; j < Math.min(i + batch, from + count); j++) {
      const token = mint(j)
      pending.push(guard.verify(token).then(() => guard.verify(token)))
    }
    for (const result of await Promise.allSettled(pending)) if (result.status === 'fulfilled') accepted += 1
    if ((i - from) % 20_000 === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss)
  }
  return accepted
}

let peakRss = 0
// Fill the cache past its bound first: the baseline already holds a full cache.
const warm = await run(0, cacheEntries * 2)
const before = settle()
const started = performance.now()
const accepted = await run(cacheEntries * 2, total)
const seconds = (performance.now() - started) / 1000
const after = settle()
peakRss = Math.max(peakRss, after.rss)
await issuer.close()

console.log(
  JSON.stringify({
    tokens: total,
    accepted,
    warm,
    cacheEntries,
    cacheSize: guard.cacheSize,
    jwksFetches: issuer.requests.jwks,
    seconds: Math.round(seconds * 10) / 10,
    heapBeforeMb: mb(before.heapUsed),
    heapAfterMb: mb(after.heapUsed),
    heapGrowthMb: mb(after.heapUsed - before.heapUsed),
    rssBeforeMb: mb(before.rss),
    rssAfterMb: mb(after.rss),
    rssGrowthMb: mb(after.rss - before.rss),
    rssPeakGrowthMb: mb(peakRss - before.rss),
  }),
)
