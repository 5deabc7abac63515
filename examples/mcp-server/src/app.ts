/**
 * The Express app: the RFC 9728 metadata route, and the MCP endpoint behind `mcpAuth`. Stateless
 * Streamable HTTP: a fresh server and transport per POST.
 */
import { BearerError, type Guard, protectedResourceMetadata } from '@bearer-guard/express'
import { mcpAuth, mcpRequest } from '@bearer-guard/mcp'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import express, { type ErrorRequestHandler } from 'express'
import { buildMcpServer, MCP_SCOPE, type ReportStore, TOOL_SCOPES } from './tools.js'

export function createMcpApp(guard: Guard, store: ReportStore): express.Express {
  const app = express()
  // GET /.well-known/oauth-protected-resource/mcp: public, where every 401 points.
  app.use(protectedResourceMetadata(guard))
  app.post('/mcp', express.json(), mcpAuth({ guard, scopes: MCP_SCOPE, toolScopes: TOOL_SCOPES }), async (req, res, next) => {
    try {
      const server = buildMcpServer(store)
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined })
      res.on('close', () => {
        void transport.close()
        void server.close()
      })
      await server.connect(transport)
      await transport.handleRequest(mcpRequest(req), res, req.body)
    } catch (error) {
      next(error)
    }
  })
  // Stateless: no server-initiated stream to GET, no session to DELETE.
  app.all('/mcp', (_req, res) => {
    res
      .status(405)
      .set('allow', 'POST')
      .json({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed.' }, id: null })
  })
  app.use(errorHandler)
  return app
}

/** RFC 6750 §3: status and `WWW-Authenticate` from the error. Anything else is our bug: a bare 500. */
const errorHandler: ErrorRequestHandler = (error, _req, res, _next) => {
  if (BearerError.is(error)) {
    res.status(error.status).set(error.headers).json(error.toJSON())
    return
  }
  console.error(error)
  res.status(500).json({ error: 'server_error' })
}
