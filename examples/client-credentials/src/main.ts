/**
 * A daemon that calls an API every few seconds with a client credentials token, renewing it shortly before
 * it expires. Configuration from the environment:
 *   ISSUER, CLIENT_ID, CLIENT_SECRET   the authorization server and this client's credentials (required)
 *   API_URL                            what to call (required)
 *   SCOPE, RESOURCE                    what to ask for (optional)
 *   INTERVAL_SECONDS                   pause between calls (default 10)
 *   CALLS                              stop after this many calls (default: run until Ctrl-C)
 *   --dpop (or DPOP=1)                 DPoP-bound tokens (RFC 9449): a key pair in memory, a proof per call
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { authorizedFetch, createDpopHandle, createTokenClient, dpopFetch } from './index.js'

function required(name: string): string {
  const value = process.env[name]
  if (!value) {
    console.error(`${name} is required`)
    process.exit(2)
  }
  return value
}

const apiUrl = required('API_URL')
const dpop = process.argv.includes('--dpop') || ['1', 'true', 'yes'].includes(process.env.DPOP ?? '') ? await createDpopHandle() : undefined
const tokens = createTokenClient({
  issuer: required('ISSUER'),
  clientId: required('CLIENT_ID'),
  clientSecret: required('CLIENT_SECRET'),
  ...(process.env.SCOPE ? { scope: process.env.SCOPE } : {}),
  ...(process.env.RESOURCE ? { resource: process.env.RESOURCE } : {}),
  ...(dpop === undefined ? {} : { dpop }),
  onToken: (response) =>
    console.log(
      `new ${dpop === undefined ? '' : 'DPoP-bound '}access token: expires in ${response.expires_in ?? '?'} s, scope "${response.scope ?? ''}"`,
    ),
})
const intervalMs = Number(process.env.INTERVAL_SECONDS ?? 10) * 1000
const calls = process.env.CALLS === undefined ? Number.POSITIVE_INFINITY : Number(process.env.CALLS)

const stop = new AbortController()
process.once('SIGINT', () => stop.abort())
process.once('SIGTERM', () => stop.abort())

let failures = 0
for (let call = 1; call <= calls && !stop.signal.aborted; call += 1) {
  try {
    const response = dpop === undefined ? await authorizedFetch(tokens, apiUrl) : await dpopFetch(tokens, dpop, apiUrl)
    console.log(`GET ${apiUrl} -> ${response.status} ${await response.text()}`)
    if (!response.ok) failures += 1
  } catch (error) {
    failures += 1
    console.error(`GET ${apiUrl} failed:`, error instanceof Error ? error.message : error)
  }
  if (call < calls) await sleep(intervalMs, undefined, { signal: stop.signal }).catch(() => undefined)
}
process.exitCode = failures === 0 ? 0 : 1
