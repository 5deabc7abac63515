/**
 * `pnpm demo --dpop`: the same servers, with the API accepting only DPoP-bound tokens (RFC 9449). The client
 * (oauth4webapi) holds a key pair, gets a token bound to it, and proves possession on every call; then the
 * story shows what a thief or a replaying attacker gets: refusals, each with its reason.
 */
import { DEMO_AUDIENCE, DEMO_CLIENTS, startAuthorizationServer } from '@bearer-guard/example-authorization-server'
import { createDpopHandle, discover, requestToken } from '@bearer-guard/example-client-credentials'
import * as oauth from 'oauth4webapi'
import { startApi } from './apis.js'
import type { Demo, DemoOptions } from './demo.js'
import { describeToken, oneLine, shortenToken } from './format.js'
import { FRAMEWORK_NAMES } from './frameworks.js'

interface Sent {
  readonly url: string
  readonly method: string
  readonly headers: Record<string, string>
}

interface Step {
  readonly what: string
  readonly method: 'GET' | 'POST'
  readonly path: string
  /** The client's handle (the default), another key's, or none: the token sent as Bearer. */
  readonly dpop?: oauth.DPoPHandle | null
  /** Changes the request after oauth4webapi made its proof. */
  readonly bend?: (sent: Sent) => Sent
  /** Sends this earlier request again, byte for byte, instead of a new one. */
  readonly replay?: () => Sent | undefined
  readonly expect: { readonly status: number; readonly error?: string; readonly description?: string }
}

export async function runDpopDemo(options: DemoOptions): Promise<Demo> {
  const print = options.print ?? ((line: string) => console.log(line))
  const frameworkName = FRAMEWORK_NAMES[options.framework]
  let passed = 0
  let failed = 0

  print(`bearer-guard demo, DPoP (RFC 9449): sender-constrained tokens, end to end, against an API built on ${frameworkName}.`)
  print('')
  const as = await startAuthorizationServer()
  print(`1. An authorization server is running: oidc-provider at ${as.issuer} (DPoP is on by default there).`)
  let api: Awaited<ReturnType<(typeof startApi)[typeof options.framework]>>
  try {
    api = await startApi[options.framework]({ issuer: as.issuer, audience: DEMO_AUDIENCE, dpop: { mode: 'required' } })
  } catch (error) {
    await as.close()
    throw error
  }
  const stop = async (): Promise<void> => {
    await Promise.all([api.close(), as.close()])
  }
  print(`2. A protected API is running: ${frameworkName} with bearer-guard at ${api.url}, dpop: { mode: 'required' }.`)
  print('   Every call needs Authorization: DPoP <token> and a DPoP proof signed by the key the token is bound to.')
  print('')

  try {
    const { writer } = DEMO_CLIENTS
    const handle = await createDpopHandle('ES256')
    print('3. The machine client (oauth4webapi) creates an ES256 key pair; the private key never leaves it.')
    print(`   Its JWK thumbprint (RFC 7638): ${await handle.calculateThumbprint()}`)
    print('')
    print('4. It asks for a token, with a DPoP proof on the token request.')
    const metadata = await discover(as.issuer)
    const response = await requestToken(metadata, writer, { scope: 'read:data write:data', resource: DEMO_AUDIENCE, dpop: handle })
    const token = response.access_token
    const bound = response.token_type.toLowerCase() === 'dpop'
    if (bound) passed += 1
    else failed += 1
    print(`   ${bound ? '✓' : '✗'} ← ${response.token_type} token, expires in ${response.expires_in ?? '?'} s: ${shortenToken(token)}`)
    for (const line of describeToken(token)) if (/cnf|client_id|scope/.test(line)) print(`     ${line}`)
    print('')

    let firstCall: Sent | undefined
    const thief = await createDpopHandle('ES256')
    const steps: Step[] = [
      { what: 'Token plus a fresh proof: let through', method: 'GET', path: '/api/reports', expect: { status: 200 } },
      { what: 'Another call, another proof (each proof is used once)', method: 'POST', path: '/api/reports', expect: { status: 201 } },
      {
        what: 'An eavesdropper replays the first request, token and proof',
        method: 'GET',
        path: '/api/reports',
        replay: () => firstCall,
        expect: { status: 401, error: 'invalid_dpop_proof', description: 'DPoP proof replayed' },
      },
      {
        what: 'A proof made for GET, sent with POST',
        method: 'GET',
        path: '/api/reports',
        bend: (sent) => ({ ...sent, method: 'POST' }),
        expect: { status: 401, error: 'invalid_dpop_proof', description: 'DPoP proof htm mismatch' },
      },
      {
        what: 'A proof made for /api/reports, sent to /api/whoami',
        method: 'GET',
        path: '/api/reports',
        bend: (sent) => ({ ...sent, url: sent.url.replace('/api/reports', '/api/whoami') }),
        expect: { status: 401, error: 'invalid_dpop_proof', description: 'DPoP proof htu mismatch' },
      },
      {
        what: 'A thief with the token but not the key signs with its own key',
        method: 'GET',
        path: '/api/reports',
        dpop: thief,
        expect: { status: 401, error: 'invalid_token', description: 'DPoP key binding mismatch' },
      },
      {
        what: 'The token sent as a plain Bearer token, no proof',
        method: 'GET',
        path: '/api/reports',
        dpop: null,
        expect: { status: 401, error: 'invalid_token' },
      },
    ]
    print(`5. It calls the API (${frameworkName}); then the attacks.`)
    for (const step of steps) {
      const record: Sent[] = []
      let status: number
      let challenge: string | null
      let body: string
      if (step.replay !== undefined) {
        const sent = step.replay() as Sent
        const replayed = await fetch(sent.url, { method: sent.method, headers: sent.headers })
        ;({ status } = replayed)
        challenge = replayed.headers.get('www-authenticate')
        body = await replayed.text()
      } else {
        let result: Response
        try {
          result = await oauth.protectedResourceRequest(token, step.method, new URL(`${api.url}${step.path}`), new Headers(), undefined, {
            ...(step.dpop === null ? {} : { DPoP: step.dpop ?? handle }),
            [oauth.allowInsecureRequests]: true,
            [oauth.customFetch]: (url: string, init: { method: string; headers: Record<string, string> }) => {
              let sent: Sent = { url, method: init.method, headers: { ...init.headers } }
              record.push(sent)
              if (step.bend !== undefined) sent = step.bend(sent)
              return fetch(sent.url, { method: sent.method, headers: sent.headers })
            },
          })
        } catch (error) {
          // oauth4webapi throws on a challenge; the story wants the API's answer.
          if (!(error instanceof oauth.WWWAuthenticateChallengeError)) throw error
          result = error.response
        }
        ;({ status } = result)
        challenge = result.headers.get('www-authenticate')
        body = await result.text()
        firstCall ??= record[0]
      }
      const error = challenge === null ? undefined : /error="([^"]*)"/.exec(challenge)?.[1]
      const description = challenge === null ? undefined : /error_description="([^"]*)"/.exec(challenge)?.[1]
      const ok =
        status === step.expect.status &&
        (step.expect.error === undefined || error === step.expect.error) &&
        (step.expect.description === undefined || description === step.expect.description)
      if (ok) passed += 1
      else failed += 1
      print(`   ${ok ? '✓' : '✗'} ${step.what}`)
      print(
        `     ${step.replay === undefined ? step.method : 'replayed'} ${step.path} → ${status}${ok ? '' : `  (expected ${step.expect.status})`}`,
      )
      if (challenge !== null) print(`     WWW-Authenticate: ${challenge}`)
      else if (body !== '') print(`     ${oneLine(body)}`)
    }
    print('')
  } catch (error) {
    await stop()
    throw error
  }
  return {
    passed,
    failed,
    issuer: as.issuer,
    apiUrl: api.url,
    curlCommands: [
      '# DPoP proofs are signed per request, so curl alone cannot make them: run the client example instead,',
      `DPOP=1 ISSUER=${as.issuer} CLIENT_ID=${DEMO_CLIENTS.reader.clientId} CLIENT_SECRET=${DEMO_CLIENTS.reader.clientSecret} \\`,
      `  SCOPE=read:data RESOURCE=${DEMO_AUDIENCE} API_URL=${api.url}/api/reports CALLS=3 INTERVAL_SECONDS=1 \\`,
      '  node examples/client-credentials/dist/main.js',
      `curl -i ${api.url}/api/reports   # no token: the DPoP challenge, with algs`,
    ],
    stop,
  }
}
