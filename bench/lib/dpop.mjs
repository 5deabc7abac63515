/**
 * The per-request cost of DPoP (RFC 9449) in `guard.authenticate`: a warm token (verified-token cache
 * hit, so its own signature is skipped) plus a fresh proof every request: parse, header and claim checks,
 * JWK thumbprint, `ath` hash, the proof's signature, and the in-memory replay store. Compared with the
 * same warm path for a plain Bearer token. Proofs are signed beforehand (node:crypto), one per request,
 * each with its own `jti`: nothing but verification is timed. Sequential calls, interleaved slices.
 */
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { createGuard } from '@bearer-guard/core'
import { LatencyRing, round } from './stats.mjs'

const HOST = 'api.bench.test'
const b64 = (value) => Buffer.from(value).toString('base64url')

function proofMinter(alg) {
  const { publicKey, privateKey } = alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519')
  const jwk = publicKey.export({ format: 'jwk' })
  const members = alg === 'ES256' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x }
  const jkt = createHash('sha256').update(JSON.stringify(members)).digest('base64url')
  const header = b64(JSON.stringify({ typ: 'dpop+jwt', alg, jwk }))
  return {
    jkt,
    mint(token, count) {
      const ath = createHash('sha256').update(token).digest('base64url')
      const iat = Math.floor(Date.now() / 1000)
      const proofs = new Array(count)
      for (let i = 0; i < count; i++) {
        const input = `${header}.${b64(JSON.stringify({ jti: randomBytes(12).toString('base64url'), htm: 'GET', htu: `https://${HOST}/things`, iat, ath }))}`
        const signature =
          alg === 'ES256'
            ? sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' })
            : sign(null, Buffer.from(input), privateKey)
        proofs[i] = `${input}.${b64(signature)}`
      }
      return proofs
    },
  }
}

const request = (authorization, dpop) => ({
  method: 'GET',
  url: '/things',
  secure: true,
  headers: dpop === undefined ? { host: HOST, authorization } : { host: HOST, authorization, dpop },
})

export async function runDpopBench({ issuer, kids, rounds, durationMs, proofs: poolSize, log }) {
  const options = { issuer: issuer.issuer, audience: issuer.audience, jwksUri: issuer.jwksUri }
  const plainGuard = createGuard(options)
  const dpopGuard = createGuard({ ...options, dpop: { maxProofAge: 300 } })
  const plainToken = await issuer.sign({}, { kid: kids.ES256 })
  const contenders = [
    { id: 'bearer-off', label: 'Bearer, dpop off (today)', guard: plainGuard, next: () => request(`Bearer ${plainToken}`) },
    { id: 'bearer-allowed', label: 'Bearer, dpop allowed', guard: dpopGuard, next: () => request(`Bearer ${plainToken}`) },
  ]
  for (const alg of ['ES256', 'EdDSA']) {
    const minter = proofMinter(alg)
    const token = await issuer.sign({ cnf: { jkt: minter.jkt } }, { kid: kids.ES256 })
    const proofs = minter.mint(token, poolSize)
    let used = 0
    contenders.push({
      id: `dpop-${alg}`,
      label: `DPoP, ${alg} proof`,
      guard: dpopGuard,
      next: () => (used < proofs.length ? request(`DPoP ${token}`, proofs[used++]) : undefined),
      left: () => proofs.length - used,
    })
  }
  log(`dpop: minted ${poolSize} proofs per algorithm`)
  for (const c of contenders) {
    // Sanity: each path accepts (and the cache holds the token: the second call is the warm one).
    for (let i = 0; i < 3; i++) await c.guard.authenticate(c.next())
    c.ring = new LatencyRing()
    c.ops = 0
    c.ms = 0
  }
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < contenders.length; i++) {
      const c = contenders[(i + r) % contenders.length]
      const start = performance.now()
      const end = start + durationMs
      let t = start
      while (t < end) {
        const req = c.next()
        if (req === undefined) break
        await c.guard.authenticate(req)
        const after = performance.now()
        c.ring.add(after - t)
        t = after
        c.ops++
      }
      c.ms += t - start
    }
  }
  const base = contenders[0]
  const baseMicros = (base.ms * 1000) / base.ops
  return contenders.map((c) => {
    const micros = (c.ms * 1000) / c.ops
    const { p50, p99 } = c.ring.percentiles()
    return {
      contender: c.id,
      label: c.label,
      requests: c.ops,
      opsPerSec: round((c.ops / c.ms) * 1000),
      microsPerRequest: round(micros, 1),
      addedMicros: round(micros - baseMicros, 1),
      p50us: round(p50, 1),
      p99us: round(p99, 1),
      proofsLeft: c.left?.() ?? null,
    }
  })
}
