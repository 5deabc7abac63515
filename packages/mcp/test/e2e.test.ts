/**
 * End to end with real parts only: oidc-provider issuing RFC 9068 tokens for the MCP server's resource
 * indicator, the official MCP SDK server (Streamable HTTP) and client (client credentials), and each
 * adapter serving the RFC 9728 document. The chain under test: 401 → resource_metadata → our document →
 * authorization server metadata → token with resource=<ours> → tool call.
 */
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createGuard, type Guard } from '@bearer-guard/core'
import fastifyAuth from '@bearer-guard/fastify'
import { protectedResourceMetadata as koaMetadata } from '@bearer-guard/koa'
import { createMcpGate, type McpAuthInfo } from '@bearer-guard/mcp'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import Fastify from 'fastify'
import { decodeJwt } from 'jose'
import Koa from 'koa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AuthorizationServer, OTHER_AUDIENCE, startAuthorizationServer } from '../../../examples/authorization-server/dist/index.js'
import {
  buildMcpServer,
  connectMcpClient,
  createStore,
  MCP_CLIENTS,
  MCP_SCOPE,
  startMcpServer,
  TOOL_SCOPES,
  WRITE_SCOPE,
} from '../../../examples/mcp-server/dist/index.js'

interface RunningMcp {
  readonly endpoint: string
  readonly metadataUrl: string
  close(): Promise<void>
}

/** Every HTTP exchange the SDK client makes, for assertions on the discovery chain. */
function observer(): { fetch: typeof fetch; log: { method: string; url: string; status: number; body?: URLSearchParams }[] } {
  const log: { method: string; url: string; status: number; body?: URLSearchParams }[] = []
  return {
    log,
    fetch: async (input, init) => {
      const response = await fetch(input, init)
      log.push({
        method: init?.method ?? 'GET',
        url: String(input instanceof Request ? input.url : input),
        status: response.status,
        ...(init?.body instanceof URLSearchParams ? { body: init.body } : {}),
      })
      return response
    },
  }
}

/** Listens first (the resource identifier is the server's own URL), then builds the guard. */
async function listenFirst(server: Server): Promise<{ origin: string; resource: string }> {
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { origin, resource: `${origin}/mcp` }
}

function mcpGuard(issuer: string, resource: string): Guard {
  return createGuard({ issuer, strict: true, protectedResource: { resource, scopesSupported: [MCP_SCOPE, WRITE_SCOPE] } })
}

/** Koa: the adapter serves the metadata; the MCP route runs the SDK transport on ctx.req behind the gate. */
async function startKoaMcp(issuer: string): Promise<RunningMcp> {
  const app = new Koa()
  const http = createServer()
  const { resource } = await listenFirst(http)
  const guard = mcpGuard(issuer, resource)
  const gate = createMcpGate({ guard, scopes: MCP_SCOPE, toolScopes: TOOL_SCOPES }, 'koa mcp')
  const store = createStore()
  app.use(koaMetadata(guard))
  app.use(async (ctx) => {
    if (ctx.path !== '/mcp' || ctx.method !== 'POST') {
      ctx.status = 405
      return
    }
    // The body is JSON-RPC; the gate reads tools/call names from it, and the transport gets it parsed.
    const chunks: Buffer[] = []
    for await (const chunk of ctx.req) chunks.push(chunk as Buffer)
    const body: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null')
    const auth = await gate.authorize({
      method: ctx.method,
      url: ctx.originalUrl,
      headers: ctx.req.headers,
      rawHeaders: ctx.req.rawHeaders,
      body,
    })
    ctx.respond = false
    const mcp = buildMcpServer(store)
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined })
    await mcp.connect(transport)
    await transport.handleRequest(Object.assign(ctx.req, { auth }), ctx.res, body)
  })
  http.on('request', app.callback())
  return {
    endpoint: resource,
    metadataUrl: guard.protectedResource?.metadata.url ?? '',
    close: () => new Promise<void>((resolve) => http.close(() => resolve())),
  }
}

/** Fastify: the plugin registers the metadata route; the MCP route is public to the plugin and guarded by the gate. */
async function startFastifyMcp(issuer: string): Promise<RunningMcp> {
  const http = createServer()
  const { resource } = await listenFirst(http)
  // Fastify answers on the server that already listens: no port to reserve and hope for.
  const app = Fastify({
    serverFactory: (handler) => {
      http.on('request', handler)
      return http
    },
  })
  const guard = mcpGuard(issuer, resource)
  const gate = createMcpGate({ guard, scopes: MCP_SCOPE, toolScopes: TOOL_SCOPES }, 'fastify mcp')
  const store = createStore()
  await app.register(fastifyAuth, { guard })
  app.post('/mcp', { config: { auth: false } }, async (request, reply) => {
    let auth: McpAuthInfo
    try {
      auth = await gate.authorize({
        method: request.method,
        url: request.raw.url ?? '',
        headers: request.headers,
        rawHeaders: request.raw.rawHeaders,
        body: request.body,
      })
    } catch (error) {
      const e = error as { statusCode: number; headers: Record<string, string>; toJSON(): unknown }
      return reply.code(e.statusCode).headers(e.headers).send(e.toJSON())
    }
    reply.hijack()
    const mcp = buildMcpServer(store)
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined })
    await mcp.connect(transport)
    await transport.handleRequest(Object.assign(request.raw, { auth }), reply.raw, request.body)
  })
  await app.ready()
  return {
    endpoint: resource,
    metadataUrl: guard.protectedResource?.metadata.url ?? '',
    close: async () => {
      await app.close()
      await new Promise<void>((resolve) => http.close(() => resolve()))
    },
  }
}

async function startExpressMcp(issuer: string): Promise<RunningMcp> {
  return startMcpServer({ issuer })
}

let as: AuthorizationServer
beforeAll(async () => {
  as = await startAuthorizationServer({
    resources: [OTHER_AUDIENCE],
    scopes: [MCP_SCOPE, WRITE_SCOPE],
    clients: Object.values(MCP_CLIENTS),
    onServerError: (error) => {
      throw error
    },
  })
})
afterAll(async () => {
  await as.close()
})

const starters = { express: startExpressMcp, koa: startKoaMcp, fastify: startFastifyMcp } as const

describe.each(Object.keys(starters) as (keyof typeof starters)[])('MCP over %s, SDK client, oidc-provider', (name) => {
  let mcp: RunningMcp
  beforeAll(async () => {
    mcp = await starters[name](as.issuer)
    as.addResource(mcp.endpoint)
  })
  afterAll(async () => {
    await mcp.close()
  })

  it('the discovery chain from a 401 works, and the tool sees the SDK-shaped authInfo', async () => {
    const seen = observer()
    const client = await connectMcpClient({ serverUrl: mcp.endpoint, ...MCP_CLIENTS.agent, expectedIssuer: as.issuer, fetch: seen.fetch })
    const chain = seen.log.slice(0, 5).map((e) => `${e.method} ${e.url} ${e.status}`)
    expect(chain).toEqual([
      `POST ${mcp.endpoint} 401`,
      `GET ${mcp.metadataUrl} 200`,
      `GET ${as.issuer}/.well-known/oauth-authorization-server 200`,
      `POST ${as.issuer}/token 200`,
      `POST ${mcp.endpoint} 200`,
    ])
    expect(seen.log[3]?.body?.get('resource')).toBe(mcp.endpoint)
    expect(seen.log[3]?.body?.get('grant_type')).toBe('client_credentials')
    const result = await client.callTool({ name: 'list_reports', arguments: {} })
    const view = JSON.parse((result.content as { text: string }[])[0]?.text ?? '{}')
    expect(view).toMatchObject({ clientId: MCP_CLIENTS.agent.clientId, scopes: [MCP_SCOPE, WRITE_SCOPE], resource: mcp.endpoint })
    const deleted = await client.callTool({ name: 'delete_report', arguments: { id: 'r-2' } })
    expect((deleted.content as { text: string }[])[0]?.text).toBe('deleted r-2')
    await client.close()
  })

  it('a token lacking a tool scope: HTTP 403 insufficient_scope before the tool runs; the SDK steps up once, then gives up', async () => {
    const seen = observer()
    const client = await connectMcpClient({ serverUrl: mcp.endpoint, ...MCP_CLIENTS.viewer, expectedIssuer: as.issuer, fetch: seen.fetch })
    await expect(client.callTool({ name: 'list_reports', arguments: {} })).resolves.toBeDefined()
    const before = seen.log.length
    await expect(client.callTool({ name: 'delete_report', arguments: { id: 'r-1' } })).rejects.toThrow(/403 after trying upscoping/)
    expect(seen.log.slice(before).map((e) => `${e.method} ${e.url} ${e.status}`)).toEqual([
      `POST ${mcp.endpoint} 403`,
      `GET ${mcp.metadataUrl} 200`,
      `GET ${as.issuer}/.well-known/oauth-authorization-server 200`,
      `POST ${as.issuer}/token 200`,
      `POST ${mcp.endpoint} 403`,
    ])
    // The report survived: the tool never ran.
    const agent = await connectMcpClient({ serverUrl: mcp.endpoint, ...MCP_CLIENTS.agent, expectedIssuer: as.issuer })
    const listed = await agent.callTool({ name: 'list_reports', arguments: {} })
    expect(JSON.parse((listed.content as { text: string }[])[0]?.text ?? '{}').reports).toContainEqual({ id: 'r-1', title: 'Q3 revenue' })
    await Promise.all([client.close(), agent.close()])
  })

  it('the spec answer to a tool call lacking scope, and the refusal of a token for another resource', async () => {
    const token = async (resource: string, scope: string): Promise<string> => {
      const response = await fetch(`${as.issuer}/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${MCP_CLIENTS.viewer.clientId}:${MCP_CLIENTS.viewer.clientSecret}`).toString('base64')}`,
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope, resource }),
      })
      expect(response.status).toBe(200)
      return ((await response.json()) as { access_token: string }).access_token
    }
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }
    const call = JSON.stringify({
      jsonrpc: '2.0',
      id: 7,
      method: 'tools/call',
      params: { name: 'delete_report', arguments: { id: 'r-1' } },
    })

    const mine = await token(mcp.endpoint, MCP_SCOPE)
    expect(decodeJwt(mine).aud).toBe(mcp.endpoint)
    const forbidden = await fetch(mcp.endpoint, { method: 'POST', headers: { ...headers, authorization: `Bearer ${mine}` }, body: call })
    expect(forbidden.status).toBe(403)
    expect(forbidden.headers.get('www-authenticate')).toBe(
      `Bearer error="insufficient_scope", error_description="insufficient scope", scope="${MCP_SCOPE} ${WRITE_SCOPE}", resource_metadata="${mcp.metadataUrl}"`,
    )

    const other = await token(OTHER_AUDIENCE, MCP_SCOPE)
    expect(decodeJwt(other).aud).toBe(OTHER_AUDIENCE)
    const refused = await fetch(mcp.endpoint, { method: 'POST', headers: { ...headers, authorization: `Bearer ${other}` }, body: call })
    expect(refused.status).toBe(401)
    expect(refused.headers.get('www-authenticate')).toBe(
      `Bearer error="invalid_token", error_description="unexpected audience", scope="${MCP_SCOPE} ${WRITE_SCOPE}", resource_metadata="${mcp.metadataUrl}"`,
    )

    const inQuery = await fetch(`${mcp.endpoint}?access_token=${mine}`, { method: 'POST', headers, body: call })
    expect(inQuery.status).toBe(400)
    expect(inQuery.headers.get('www-authenticate')).toContain('error="invalid_request"')
    // Even with the header too: the query token is refused, never used.
    const both = await fetch(`${mcp.endpoint}?access_token=${mine}`, {
      method: 'POST',
      headers: { ...headers, authorization: `Bearer ${mine}` },
      body: call,
    })
    expect(both.status).toBe(400)
  })
})
