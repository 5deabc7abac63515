/**
 * The MCP client: the SDK's `Client` with its client-credentials provider. It is given the server URL and
 * its own credentials, nothing else: the authorization server, the token endpoint and the resource come
 * from the 401's `resource_metadata`, our RFC 9728 document and the authorization server's metadata.
 */
import { ClientCredentialsProvider } from '@modelcontextprotocol/sdk/client/auth-extensions.js'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'

export interface McpClientOptions {
  /** The MCP endpoint URL. */
  readonly serverUrl: string
  readonly clientId: string
  readonly clientSecret: string
  /**
   * Scopes to ask for. The SDK's client-credentials flow sends only this (not the challenge's `scope`, not
   * `scopes_supported`), so it must cover every tool the client will call.
   */
  readonly scope?: string
  /**
   * The authorization server these credentials were registered with (part of the credentials, like the
   * secret): the SDK refuses to send them to any other server the MCP server advertises.
   */
  readonly expectedIssuer?: string
  /** Sees every HTTP exchange (the demo prints them). Default: global fetch. */
  readonly fetch?: typeof globalThis.fetch
}

export async function connectMcpClient(options: McpClientOptions): Promise<Client> {
  const provider = new ClientCredentialsProvider({
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    ...(options.scope === undefined ? {} : { scope: options.scope }),
    ...(options.expectedIssuer === undefined ? {} : { expectedIssuer: options.expectedIssuer }),
  })
  const transport = new StreamableHTTPClientTransport(new URL(options.serverUrl), {
    authProvider: provider,
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  })
  const client = new Client({ name: 'reports-agent', version: '1.0.0' })
  await client.connect(transport)
  return client
}
