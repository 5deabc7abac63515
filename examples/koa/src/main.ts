/**
 * Runs the API until Ctrl-C. ISSUER and AUDIENCE say which tokens to accept (the JWKS is found by
 * discovery from ISSUER); PORT and HOST where to listen (default 3000 on 127.0.0.1); DPOP=allowed or
 * DPOP=required accepts DPoP-bound tokens with proofs (RFC 9449).
 */
import { startServer } from './server.js'

const { ISSUER, AUDIENCE, PORT = '3000', HOST = '127.0.0.1', DPOP } = process.env
if (!ISSUER || !AUDIENCE) {
  console.error(
    'Set ISSUER (the authorization server) and AUDIENCE (this API identifier), e.g.\n' +
      '  ISSUER=http://127.0.0.1:4000 AUDIENCE=https://reports.example.test node dist/main.js',
  )
  process.exit(2)
}
if (DPOP !== undefined && DPOP !== 'allowed' && DPOP !== 'required') {
  console.error('DPOP must be "allowed" or "required"')
  process.exit(2)
}
const dpop = DPOP === undefined ? {} : { dpop: { mode: DPOP as 'allowed' | 'required' } }
const server = await startServer({ issuer: ISSUER, audience: AUDIENCE, port: Number(PORT), host: HOST, ...dpop })
console.log(`Reports API (Koa) listening on ${server.url}; accepts tokens from ${ISSUER} for ${AUDIENCE}`)
const stop = (): void => void server.close().then(() => process.exit(0))
process.once('SIGINT', stop)
process.once('SIGTERM', stop)
