const { createTestIssuer } = await import('@bearer-guard/testing')
const { createGuard } = await import('@bearer-guard/core')
const as = await createTestIssuer()
const token = await as.sign({}, { scope: 'a' })
const guard = createGuard({ issuer: as.issuer, audience: as.audience, jwksUri: as.jwksUri })
await guard.verify(token)
const headers = { host: '127.0.0.1:1234', authorization: `Bearer ${token}`, 'user-agent': 'x', accept: '*/*' }
const rawHeaders = Object.entries(headers).flat()
const req = { method: 'GET', url: '/things', headers, rawHeaders }
for (const round of [1, 2, 3]) {
  const n = 200000
  let t = process.hrtime.bigint()
  for (let i = 0; i < n; i++) await guard.authenticate(req)
  let dt = Number(process.hrtime.bigint() - t) / n
  console.log(round, 'authenticate await', dt.toFixed(0), 'ns')
  t = process.hrtime.bigint()
  for (let i = 0; i < n; i++) await guard.verify(token)
  dt = Number(process.hrtime.bigint() - t) / n
  console.log(round, 'verify await', dt.toFixed(0), 'ns')
}
await as.close()
