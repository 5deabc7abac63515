/**
 * Starts the MCP server on 127.0.0.1. Its resource identifier is its own URL (`http://127.0.0.1:<port>/mcp`),
 * known only once it listens, so the guard is made then.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createGuard } from '@bearer-guard/express'
import { createMcpApp } from './app.js'
import { createStore, MCP_SCOPE, WRITE_SCOPE } from './tools.js'

export interface McpServerOptions {
  /** The authorization server's issuer: the only input the server needs. */
  readonly issuer: string
  /** Default 0: any free port. */
  readonly port?: number
}

export interface RunningMcpServer {
  /** The MCP endpoint, `http://127.0.0.1:<port>/mcp`: also the protected resource identifier. */
  readonly endpoint: string
  readonly resource: string
  /** Where the RFC 9728 document is served. */
  readonly metadataUrl: string
  close(): Promise<void>
}

export async function startMcpServer(options: McpServerOptions): Promise<RunningMcpServer> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  const resource = `http://127.0.0.1:${port}/mcp`
  const guard = createGuard({
    issuer: options.issuer,
    // No `audience`: tokens are requested with resource=<this>, so it is the audience (RFC 8707).
    protectedResource: { resource, scopesSupported: [MCP_SCOPE, WRITE_SCOPE], resourceName: 'Reports MCP server' },
    strict: true,
  })
  server.on('request', createMcpApp(guard, createStore()))
  return {
    endpoint: resource,
    resource,
    metadataUrl: guard.protectedResource?.metadata.url ?? '',
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
