/**
 * The MCP demo's story: a real authorization server (oidc-provider), an MCP server protected by
 * bearer-guard, and the MCP SDK's own client with client credentials. Every HTTP exchange the client makes
 * is printed and checked, so the discovery chain (401 → resource_metadata → RFC 9728 document →
 * authorization server metadata → token with resource=<ours> → tool call) is visible step by step.
 */
import { type AuthorizationServer, OTHER_AUDIENCE, startAuthorizationServer } from '@bearer-guard/example-authorization-server'
import { decodeJwt } from 'jose'
import { connectMcpClient } from './client.js'
import { MCP_CLIENTS } from './clients.js'
import { type RunningMcpServer, startMcpServer } from './server.js'
import { MCP_SCOPE, WRITE_SCOPE } from './tools.js'

export interface McpDemo {
  readonly passed: number
  readonly failed: number
  stop(): Promise<void>
}

interface Exchange {
  readonly method: string
  readonly url: string
  readonly status: number
  readonly challenge: string | null
  readonly form: URLSearchParams | undefined
  readonly json: unknown
}

/** What one exchange must look like: method, a URL check, status, text the challenge must contain. */
interface Expected {
  readonly what: string
  readonly method: string
  readonly url: string
  readonly status: number
  readonly challengeHas?: readonly string[]
  readonly check?: (exchange: Exchange) => boolean
}

export async function runMcpDemo(print: (line: string) => void = (line) => console.log(line)): Promise<McpDemo> {
  let passed = 0
  let failed = 0
  const record = (ok: boolean, line: string): void => {
    if (ok) passed += 1
    else failed += 1
    print(`   ${ok ? '✓' : '✗'} ${line}`)
  }

  const exchanges: Exchange[] = []
  /** The fetch the SDK client uses: it sees every request the client makes, and only observes. */
  const observingFetch: typeof fetch = async (input, init) => {
    const response = await fetch(input, init)
    const type = response.headers.get('content-type') ?? ''
    const json = type.includes('json')
      ? await response
          .clone()
          .json()
          .catch(() => undefined)
      : undefined
    exchanges.push({
      method: init?.method ?? 'GET',
      url: String(input instanceof Request ? input.url : input),
      status: response.status,
      challenge: response.headers.get('www-authenticate'),
      form: init?.body instanceof URLSearchParams ? init.body : undefined,
      json,
    })
    return response
  }
  /** Prints the exchanges since `from` and checks that `expected` occur among them, in order. */
  const checkExchanges = (from: number, expected: readonly Expected[]): void => {
    const seen = exchanges.slice(from)
    let cursor = 0
    for (const step of expected) {
      const index = seen.findIndex(
        (e, i) =>
          i >= cursor &&
          e.method === step.method &&
          e.url === step.url &&
          e.status === step.status &&
          (step.challengeHas ?? []).every((part) => e.challenge?.includes(part) === true) &&
          (step.check?.(e) ?? true),
      )
      const exchange = index === -1 ? undefined : seen[index]
      record(exchange !== undefined, `${step.what}`)
      print(`     ${step.method} ${step.url} → ${exchange?.status ?? `not seen (expected ${step.status})`}`)
      if (exchange?.challenge) print(`     WWW-Authenticate: ${exchange.challenge}`)
      if (exchange?.form) print(`     ${[...exchange.form].map(([k, v]) => `${k}=${v}`).join('  ')}`)
      if (exchange !== undefined && exchange.json !== undefined && step.url.includes('/.well-known/oauth-protected-resource')) {
        print(`     ${JSON.stringify(exchange.json)}`)
      }
      if (index !== -1) cursor = index + 1
    }
  }

  print('bearer-guard MCP demo: an MCP server protected by bearer-guard, and the MCP SDK client finding its way in.')
  print('')
  const as: AuthorizationServer = await startAuthorizationServer({
    resources: [OTHER_AUDIENCE],
    scopes: [MCP_SCOPE, WRITE_SCOPE],
    clients: Object.values(MCP_CLIENTS),
  })
  let mcp: RunningMcpServer
  try {
    mcp = await startMcpServer({ issuer: as.issuer })
  } catch (error) {
    await as.close()
    throw error
  }
  const stop = async (): Promise<void> => {
    await Promise.all([mcp.close(), as.close()])
  }
  try {
    // The administrator's step: the authorization server learns the new API's resource indicator.
    as.addResource(mcp.resource)
    const { agent, viewer } = MCP_CLIENTS
    print(`1. An authorization server is running: oidc-provider at ${as.issuer}`)
    print(`   It issues RFC 9068 JWT access tokens whose aud is the requested resource (RFC 8707).`)
    print(`   Clients: ${agent.clientId} (may ask for ${agent.scope}), ${viewer.clientId} (may ask for ${viewer.scope}).`)
    print('')
    print(`2. An MCP server is running (Streamable HTTP, official SDK, Express) at ${mcp.endpoint}`)
    print(`   bearer-guard protects it: resource ${mcp.resource}, metadata at ${mcp.metadataUrl}.`)
    print(`   Every call needs ${MCP_SCOPE}; the tool delete_report also needs ${WRITE_SCOPE}.`)
    print('')

    print(`3. The MCP client (SDK, client credentials) connects. It knows the server URL and its own credentials, nothing else.`)
    const start = exchanges.length
    const client = await connectMcpClient({
      serverUrl: mcp.endpoint,
      clientId: agent.clientId,
      clientSecret: agent.clientSecret,
      scope: agent.scope,
      expectedIssuer: as.issuer,
      fetch: observingFetch,
    })
    const tokenIssued = (e: Exchange): boolean => {
      const token = (e.json as { access_token?: string } | undefined)?.access_token
      return token !== undefined && decodeJwt(token).aud === mcp.resource
    }
    checkExchanges(start, [
      {
        what: 'No token yet: 401, and the challenge points at our metadata and names the scope',
        method: 'POST',
        url: mcp.endpoint,
        status: 401,
        challengeHas: [`resource_metadata="${mcp.metadataUrl}"`, `scope="${MCP_SCOPE}"`],
      },
      {
        what: 'The client reads our RFC 9728 document: resource and authorization server',
        method: 'GET',
        url: mcp.metadataUrl,
        status: 200,
        check: (e) => {
          const doc = e.json as { resource?: string; authorization_servers?: string[] }
          return doc.resource === mcp.resource && doc.authorization_servers?.[0] === as.issuer
        },
      },
      {
        what: 'It discovers the authorization server named there (RFC 8414)',
        method: 'GET',
        url: `${as.issuer}/.well-known/oauth-authorization-server`,
        status: 200,
      },
      {
        what: `It gets a token: client_credentials, resource=${mcp.resource}; the token's aud is that resource`,
        method: 'POST',
        url: `${as.issuer}/token`,
        status: 200,
        check: (e) => e.form?.get('grant_type') === 'client_credentials' && e.form.get('resource') === mcp.resource && tokenIssued(e),
      },
      { what: 'It retries initialize with the token: 200', method: 'POST', url: mcp.endpoint, status: 200 },
    ])
    print('')

    print('4. It calls the tools.')
    const listed = await client.callTool({ name: 'list_reports', arguments: {} })
    const listedText = (listed.content as { text?: string }[])[0]?.text ?? ''
    const view = JSON.parse(listedText) as { clientId?: string; scopes?: string[]; resource?: string }
    record(
      view.clientId === agent.clientId && view.resource === mcp.resource && view.scopes?.includes(WRITE_SCOPE) === true,
      `list_reports ran; the tool saw extra.authInfo clientId=${view.clientId}, scopes=${view.scopes?.join(' ')}, resource=${view.resource}`,
    )
    const deleted = await client.callTool({ name: 'delete_report', arguments: { id: 'r-1' } })
    const deletedText = (deleted.content as { text?: string }[])[0]?.text
    record(deletedText === 'deleted r-1', `delete_report (needs ${WRITE_SCOPE}, which this token has): "${deletedText}"`)
    await client.close()
    print('')

    print(`5. ${viewer.clientId} may only list. It calls delete_report.`)
    const viewerStart = exchanges.length
    const viewerClient = await connectMcpClient({
      serverUrl: mcp.endpoint,
      clientId: viewer.clientId,
      clientSecret: viewer.clientSecret,
      scope: viewer.scope,
      expectedIssuer: as.issuer,
      fetch: observingFetch,
    })
    const callStart = exchanges.length
    let outcome = 'the call succeeded'
    try {
      await viewerClient.callTool({ name: 'delete_report', arguments: { id: 'r-2' } })
    } catch (error) {
      outcome = error instanceof Error ? error.message : String(error)
    }
    const viewerToken = exchanges
      .slice(viewerStart, callStart)
      .map((e) => (e.url === `${as.issuer}/token` ? (e.json as { access_token?: string } | undefined)?.access_token : undefined))
      .find((token) => token !== undefined)
    const viewerScope = viewerToken === undefined ? undefined : decodeJwt(viewerToken).scope
    record(viewerScope === MCP_SCOPE, `${viewer.clientId} connected the same way; its token's scope is "${String(viewerScope)}"`)
    checkExchanges(callStart, [
      {
        what: `tools/call delete_report: 403 insufficient_scope naming every scope the call needs, before the tool runs`,
        method: 'POST',
        url: mcp.endpoint,
        status: 403,
        challengeHas: ['error="insufficient_scope"', `scope="${MCP_SCOPE} ${WRITE_SCOPE}"`, `resource_metadata="${mcp.metadataUrl}"`],
      },
      {
        what: 'The SDK steps up once: a new token (client credentials send the configured scope only)',
        method: 'POST',
        url: `${as.issuer}/token`,
        status: 200,
      },
      { what: 'Still too little scope: 403 again', method: 'POST', url: mcp.endpoint, status: 403 },
    ])
    record(/403/.test(outcome), `the client gives up: "${outcome}"`)
    await viewerClient.close()
    print('')

    print(`6. Tokens the MCP server must not accept (MCP: tokens for other resources; never in the query string).`)
    const basic = `Basic ${Buffer.from(`${encodeURIComponent(agent.clientId)}:${encodeURIComponent(agent.clientSecret)}`).toString('base64')}`
    const other = await fetch(`${as.issuer}/token`, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: MCP_SCOPE, resource: OTHER_AUDIENCE }),
    })
    const otherToken = ((await other.json()) as { access_token?: string }).access_token ?? ''
    print(`   A genuine token from the same server, for ${OTHER_AUDIENCE} (aud=${otherToken === '' ? '?' : decodeJwt(otherToken).aud}).`)
    const initialize = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'curl', version: '0' } },
    })
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }
    const wrongAudience = await fetch(mcp.endpoint, {
      method: 'POST',
      headers: { ...headers, authorization: `Bearer ${otherToken}` },
      body: initialize,
    })
    const wrongChallenge = wrongAudience.headers.get('www-authenticate') ?? ''
    record(
      wrongAudience.status === 401 && wrongChallenge.includes('error="invalid_token"'),
      `Token for another resource: ${wrongAudience.status}\n     WWW-Authenticate: ${wrongChallenge}`,
    )
    const inQuery = await fetch(`${mcp.endpoint}?access_token=${otherToken.slice(0, 12)}`, { method: 'POST', headers, body: initialize })
    const queryChallenge = inQuery.headers.get('www-authenticate') ?? ''
    record(
      inQuery.status === 400 && queryChallenge.includes('error="invalid_request"'),
      `Token in the query string: ${inQuery.status}\n     WWW-Authenticate: ${queryChallenge}`,
    )
    print('')
  } catch (error) {
    await stop()
    throw error
  }
  return { passed, failed, stop }
}
