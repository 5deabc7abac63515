/**
 * Runs the demo authorization server until Ctrl-C. `PORT` picks the port (default 4000, 0 for any free
 * one); `SIGNING_ALG` the key algorithm (RS256, PS256, ES256, EdDSA).
 */
import { DEMO_AUDIENCE, DEMO_CLIENTS, type SigningAlgorithm, startAuthorizationServer } from './index.js'

const server = await startAuthorizationServer({
  port: Number(process.env.PORT ?? 4000),
  signingAlgorithm: (process.env.SIGNING_ALG as SigningAlgorithm | undefined) ?? 'RS256',
})
const { writer } = DEMO_CLIENTS

console.log(`Authorization server (oidc-provider) listening: ${server.issuer}
  discovery:  ${server.discoveryUrl}
  token:      ${server.tokenEndpoint}
  jwks:       ${server.jwksUri}
  audience:   ${DEMO_AUDIENCE} (scopes: ${server.scopes.join(' ')}; tokens live ${server.accessTokenTtlSeconds} s)
  clients:    ${server.clients.map((c) => `${c.clientId} / ${c.clientSecret} (${c.scope})`).join('\n              ')}

Get a token:
  curl -s -u ${writer.clientId}:${writer.clientSecret} -d grant_type=client_credentials -d 'scope=read:data' \\
    -d resource=${DEMO_AUDIENCE} ${server.tokenEndpoint}
`)

const stop = (): void => {
  server.close().then(() => process.exit(0))
}
process.once('SIGINT', stop)
process.once('SIGTERM', stop)
