/**
 * `mcpAuth`: the Express binding of the MCP gate, and `mcpRequest`, which hands the SDK's transport a
 * request it can type-check.
 */
import type { IncomingMessage } from 'node:http'
import type { Guard } from '@bearer-guard/core'
// The adapter's `req.auth` augmentation: MCP routes share it with every other bearer-guard route.
import type {} from '@bearer-guard/express'
import type { AuthInfo as SdkAuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js'
import type { Request, RequestHandler } from 'express'
import { isMcpAuthInfo, type McpAuthInfo } from './auth-info.js'
import { createMcpGate, type McpAuthOptions } from './gate.js'

/** `mcpAuth`'s middleware, with the guard it uses (to share with `protectedResourceMetadata`). */
export type McpAuthMiddleware = RequestHandler & { readonly guard: Guard }

/**
 * Middleware for the MCP endpoint (`app.post('/mcp', express.json(), mcpAuth(...), handler)`; also on
 * GET/DELETE for stateful servers). Verifies the `Authorization: Bearer` token against the guard (whose
 * `protectedResource.resource` is the accepted audience), refuses query-string tokens with 400, checks
 * `scopes` and the called tool's `toolScopes` (403 `insufficient_scope` naming all scopes the call needs),
 * and sets `req.auth` to an {@link McpAuthInfo}. Every 401 names the scopes needed and the metadata URL.
 * With `toolScopes`, mount `express.json()` before it: a POST without a parsed body is a server error.
 */
export function mcpAuth(options: McpAuthOptions | Guard): McpAuthMiddleware {
  const gate = createMcpGate(options, 'mcpAuth')
  const middleware: RequestHandler = function mcpAuth(req, _res, next) {
    // Only a JSON body can be a tools/call (the SDK answers anything else with 415); an unparsed one would
    // slip past the tool scopes, so it is an error, broadly matched: `json` anywhere in the content type.
    const unparsed = req.body === undefined || typeof req.body !== 'object' || Buffer.isBuffer(req.body)
    if (gate.needsBody && req.method === 'POST' && unparsed && /json/i.test(req.headers['content-type'] ?? '')) {
      next(new Error('mcpAuth: per-tool scopes need the parsed JSON body: mount express.json() before mcpAuth'))
      return
    }
    gate
      .authorize({ method: req.method, url: req.originalUrl, headers: req.headers, rawHeaders: req.rawHeaders, body: req.body })
      .then((auth) => {
        req.auth = auth
        next()
      }, next)
  }
  return Object.assign(middleware, { guard: gate.guard })
}

/** A request whose `auth` is the SDK's (and bearer-guard's) shape, as `transport.handleRequest` wants it. */
export type McpTransportRequest = IncomingMessage & { auth: McpAuthInfo & SdkAuthInfo }

/**
 * `transport.handleRequest(mcpRequest(req), res, req.body)`. Returns `req` itself, typed for the SDK, after
 * checking that `mcpAuth` set its `auth`: a handler mounted without `mcpAuth` throws here instead of
 * running the SDK's tools with no authentication.
 */
export function mcpRequest(req: Request): McpTransportRequest {
  if (!isMcpAuthInfo(req.auth)) throw new Error('mcpRequest: no mcpAuth ran before this handler; the MCP request is not authenticated')
  return req as unknown as McpTransportRequest
}
