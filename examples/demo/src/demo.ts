/**
 * The demo's story: start a real authorization server and a protected API, then act as a machine client
 * and show, call by call, what bearer-guard lets through and what it refuses, and why.
 */
import {
  type AuthorizationServer,
  DEMO_AUDIENCE,
  DEMO_CLIENTS,
  OTHER_AUDIENCE,
  startAuthorizationServer,
} from '@bearer-guard/example-authorization-server'
import { type AuthorizationServerMetadata, discover, requestToken } from '@bearer-guard/example-client-credentials'
import { startApi } from './apis.js'
import { describeToken, maskSecret, oneLine, shortenToken, tamperWithScope } from './format.js'
import { FRAMEWORK_NAMES, type Framework } from './frameworks.js'

export interface DemoOptions {
  readonly framework: Framework
  /** Where the story goes, a line at a time. Default: stdout. */
  readonly print?: (line: string) => void
}

export interface Demo {
  /** Steps that behaved as expected, and those that did not. */
  readonly passed: number
  readonly failed: number
  readonly issuer: string
  readonly apiUrl: string
  /** Commands to paste while the servers are still up. */
  readonly curlCommands: readonly string[]
  /** Stops both servers. */
  stop(): Promise<void>
}

interface Expectation {
  readonly status: number
  /** The challenge's `error` parameter; `null` for a challenge without one (no token sent). */
  readonly error?: string | null
  /** Text the challenge must contain, e.g. `scope="write:data"`. */
  readonly challengeHas?: string
}

interface Call {
  readonly what: string
  readonly method: 'GET' | 'POST'
  readonly path: string
  readonly token?: string
  readonly tokenLabel?: string
  readonly expect: Expectation
}

export async function runDemo(options: DemoOptions): Promise<Demo> {
  const print = options.print ?? ((line: string) => console.log(line))
  const frameworkName = FRAMEWORK_NAMES[options.framework]
  let passed = 0
  let failed = 0
  const record = (ok: boolean): void => {
    if (ok) passed += 1
    else failed += 1
  }

  print(`bearer-guard demo: the OAuth 2.0 client credentials flow, end to end, against an API built on ${frameworkName}.`)
  print('')

  const as: AuthorizationServer = await startAuthorizationServer()
  print(`1. An authorization server is running: oidc-provider at ${as.issuer}`)
  print(`   It issues RFC 9068 JWT access tokens for the API ${DEMO_AUDIENCE}, signed with its own RS256 key,`)
  print(
    `   valid ${as.accessTokenTtlSeconds} seconds. Clients: ${as.clients.map((c) => `${c.clientId} (may ask for ${c.scope})`).join(', ')}.`,
  )
  print('')

  let api: Awaited<ReturnType<(typeof startApi)[Framework]>>
  try {
    api = await startApi[options.framework]({ issuer: as.issuer, audience: DEMO_AUDIENCE })
  } catch (error) {
    await as.close()
    throw error
  }
  const stop = async (): Promise<void> => {
    await Promise.all([api.close(), as.close()])
  }

  try {
    print(`2. A protected API is running: ${frameworkName} with bearer-guard at ${api.url}`)
    print(`   It trusts ${as.issuer} (keys found by discovery) and accepts tokens whose audience is ${DEMO_AUDIENCE}.`)
    print('   GET /api/reports needs scope read:data, POST /api/reports needs write:data,')
    print('   GET /api/whoami takes a token if there is one, GET /health is public.')
    print('')

    print('3. The machine client (oauth4webapi) discovers the authorization server.')
    const metadata = await discover(as.issuer)
    print(`   GET ${as.discoveryUrl}`)
    print(`   → token endpoint ${metadata.token_endpoint}, keys at ${metadata.jwks_uri}`)
    print('')

    const { writer, reader } = DEMO_CLIENTS
    print('4. It asks for an access token.')
    const writerToken = await fetchToken(print, record, metadata, writer, 'read:data write:data', DEMO_AUDIENCE)
    print('')

    print(`5. It calls the API (${frameworkName}).`)
    const calls: Call[] = [
      { what: 'A public route needs no token', method: 'GET', path: '/health', expect: { status: 200 } },
      { what: 'The right scope is let through', method: 'GET', path: '/api/reports', token: writerToken, expect: { status: 200 } },
      {
        what: 'Writing needs write:data, which this token has',
        method: 'POST',
        path: '/api/reports',
        token: writerToken,
        expect: { status: 201 },
      },
      { what: 'No token: 401 with a bare challenge', method: 'GET', path: '/api/reports', expect: { status: 401, error: null } },
      { what: 'Optional auth: no token is fine here', method: 'GET', path: '/api/whoami', expect: { status: 200 } },
    ]
    for (const call of calls) record(await callApi(print, api.url, call))
    print('')

    print(`6. Another client, ${reader.clientId}, may only read. It gets a token with less scope.`)
    const readerToken = await fetchToken(print, record, metadata, reader, 'read:data', DEMO_AUDIENCE, false)
    const refusals: Call[] = [
      {
        what: 'Too little scope: 403, and the challenge names the scope needed',
        method: 'POST',
        path: '/api/reports',
        token: readerToken,
        tokenLabel: `${reader.clientId}'s token (scope read:data)`,
        expect: { status: 403, error: 'insufficient_scope', challengeHas: 'scope="write:data"' },
      },
      {
        what: 'Tampered token: the payload now claims write:data, the signature no longer matches',
        method: 'POST',
        path: '/api/reports',
        token: readerToken === undefined ? undefined : tamperWithScope(readerToken, 'read:data write:data'),
        tokenLabel: `${reader.clientId}'s token, edited to say scope "read:data write:data"`,
        expect: { status: 401, error: 'invalid_token' },
      },
    ]
    for (const call of refusals) record(await callApi(print, api.url, call))
    print('')

    print(`7. A genuine token, signed by the same server, but for another API (${OTHER_AUDIENCE}).`)
    const otherToken = await fetchToken(print, record, metadata, writer, 'read:data', OTHER_AUDIENCE, false)
    record(
      await callApi(print, api.url, {
        what: 'Wrong audience: 401',
        method: 'GET',
        path: '/api/reports',
        token: otherToken,
        tokenLabel: `a token for ${OTHER_AUDIENCE}`,
        expect: { status: 401, error: 'invalid_token' },
      }),
    )
    print('')
  } catch (error) {
    await stop()
    throw error
  }

  const { writer } = DEMO_CLIENTS
  const grab = 'node -pe \'JSON.parse(require("fs").readFileSync(0)).access_token\''
  return {
    passed,
    failed,
    issuer: as.issuer,
    apiUrl: api.url,
    curlCommands: [
      `TOKEN=$(curl -s -d grant_type=client_credentials -d client_id=${writer.clientId} -d client_secret=${writer.clientSecret} \\`,
      `  -d 'scope=read:data write:data' -d resource=${DEMO_AUDIENCE} ${as.tokenEndpoint} | ${grab})`,
      `curl -i -H "Authorization: Bearer $TOKEN" ${api.url}/api/reports`,
      `curl -i -X POST -H "Authorization: Bearer $TOKEN" ${api.url}/api/reports`,
      `curl -i ${api.url}/api/reports`,
      `curl -i -H "Authorization: Bearer $TOKEN" ${api.url}/api/whoami`,
      `curl -i -H "Authorization: Bearer \${TOKEN}x" ${api.url}/api/reports`,
    ],
    stop,
  }
}

/** Requests a token and tells both halves of the exchange. Returns undefined (a failed step) if refused. */
async function fetchToken(
  print: (line: string) => void,
  record: (ok: boolean) => void,
  metadata: AuthorizationServerMetadata,
  client: { readonly clientId: string; readonly clientSecret: string },
  scope: string,
  resource: string,
  detailed = true,
): Promise<string | undefined> {
  print(`   POST ${metadata.token_endpoint}`)
  print(`     grant_type=client_credentials  client_id=${client.clientId}  client_secret=${maskSecret(client.clientSecret)}`)
  print(`     scope=${scope}  resource=${resource}`)
  try {
    const response = await requestToken(metadata, client, { scope, resource })
    const ok = response.scope === scope && response.token_type === 'bearer'
    print(
      `   ${ok ? '✓' : '✗'} ← ${response.token_type} token, expires in ${response.expires_in ?? '?'} s, scope "${response.scope ?? ''}"`,
    )
    print(`     access_token: ${shortenToken(response.access_token)}`)
    if (detailed) for (const line of describeToken(response.access_token)) print(`     ${line}`)
    record(ok)
    return response.access_token
  } catch (error) {
    print(`   ✗ the token request failed: ${error instanceof Error ? error.message : String(error)}`)
    record(false)
    return undefined
  }
}

/** Makes one API call, prints it, and says whether it behaved as expected. */
async function callApi(print: (line: string) => void, baseUrl: string, call: Call): Promise<boolean> {
  if (Object.hasOwn(call, 'token') && call.token === undefined) {
    print(`   ✗ ${call.what}: skipped, there is no token to send (its request failed)`)
    return false
  }
  const headers: Record<string, string> = call.token === undefined ? {} : { authorization: `Bearer ${call.token}` }
  const response = await fetch(`${baseUrl}${call.path}`, { method: call.method, headers })
  const body = await response.text()
  const challenge = response.headers.get('www-authenticate')
  const error = challenge === null ? undefined : (/error="([^"]*)"/.exec(challenge)?.[1] ?? null)
  const { expect } = call
  const ok =
    response.status === expect.status &&
    (expect.error === undefined || error === expect.error) &&
    (expect.challengeHas === undefined || challenge?.includes(expect.challengeHas) === true)

  const sent = call.token === undefined ? 'no token' : (call.tokenLabel ?? 'the token')
  print(`   ${ok ? '✓' : '✗'} ${call.what}`)
  print(
    `     ${call.method} ${call.path} with ${sent} → ${response.status} ${response.statusText}${ok ? '' : `  (expected ${expect.status})`}`,
  )
  if (challenge !== null) print(`     WWW-Authenticate: ${challenge}`)
  if (body !== '') print(`     ${oneLine(body)}`)
  return ok
}
