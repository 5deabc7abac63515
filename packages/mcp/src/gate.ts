/**
 * The framework-neutral MCP decision: no query tokens, the route's and the called tool's scopes, 401s that
 * name the scopes needed, and the SDK-shaped `AuthInfo`. `mcpAuth` (Express) is a thin binding; Koa or
 * Fastify apps running the SDK transport on `ctx.req` / `request.raw` call {@link McpGate.authorize}.
 */
import {
  BearerError,
  createGuard,
  type Guard,
  type GuardOptions,
  type IncomingHeaders,
  InsufficientScopeError,
  InvalidRequestError,
  isGuard,
  type ScopeCheck,
} from '@bearer-guard/core'
import { type McpAuthInfo, toMcpAuthInfo } from './auth-info.js'
import { compileToolScopes, type ToolScopes } from './tool-scopes.js'

/** The scopes an MCP server requires: of every request, and of each tool called. */
export interface McpScopeOptions {
  /** Scope(s) every MCP request needs (`initialize` included). Default: none beyond a valid token. */
  readonly scopes?: string | readonly string[]
  /**
   * Extra scope(s) per tool, checked when a JSON-RPC `tools/call` names that tool (all of them needed).
   * Tool names are matched exactly; a name not listed needs only `scopes`.
   */
  readonly toolScopes?: ToolScopes
}

/** A guard made with `protectedResource` (or its options, or `{ guard }`), plus the MCP scope options. */
export type McpAuthOptions = (GuardOptions | { readonly guard: Guard }) & McpScopeOptions

/** The request as the gate needs it. `body` is the parsed JSON-RPC body (POST), needed for tool scopes. */
export interface McpRequest {
  readonly method: string
  /** The request target, path and query (`originalUrl` in Express). */
  readonly url: string
  readonly headers: IncomingHeaders
  readonly rawHeaders?: readonly string[]
  readonly body?: unknown
}

/** The MCP authorization decision, built once by {@link createMcpGate}; framework bindings call {@link McpGate.authorize}. */
export interface McpGate {
  readonly guard: Guard
  /** The protected resource identifier (the `aud` tokens carry). */
  readonly resource: string
  /** Whether tool scopes are configured, i.e. whether POST bodies must be parsed before {@link authorize}. */
  readonly needsBody: boolean
  /** Resolves the request's {@link McpAuthInfo}, or rejects with a {@link BearerError} to send as is. */
  authorize(request: McpRequest): Promise<McpAuthInfo>
}

const SCOPE_OPTIONS = new Set(['scopes', 'toolScopes'])

/**
 * Builds the gate once, at startup. The guard must have `protectedResource` (MCP servers must publish
 * RFC 9728 metadata); options are validated now and a bad one throws a `TypeError`.
 */
export function createMcpGate(options: McpAuthOptions | Guard, caller = 'mcpAuth'): McpGate {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${caller}: options must be guard options, a Guard or { guard }`)
  let guard: Guard
  let scopeOptions: McpScopeOptions = {}
  if (isGuard(options)) guard = options
  else {
    const { scopes, toolScopes, ...rest } = options
    scopeOptions = { scopes, toolScopes }
    if ('optional' in rest) throw new TypeError(`${caller}: "optional" is not supported: MCP requests always need a token`)
    if ('guard' in rest) {
      if (!isGuard(rest.guard)) throw new TypeError(`${caller}: "guard" must be a Guard made by createGuard`)
      if (Object.keys(rest).some((key) => key !== 'guard' && !SCOPE_OPTIONS.has(key))) {
        throw new TypeError(`${caller}: "guard" cannot be combined with guard options`)
      }
      guard = rest.guard
    } else guard = createGuard(rest as GuardOptions)
  }
  const resource = guard.protectedResource?.resource
  if (resource === undefined) {
    throw new TypeError(`${caller}: the guard needs protectedResource: { resource } (MCP servers must publish RFC 9728 metadata)`)
  }
  const methods = guard.protectedResource?.document.bearer_methods_supported ?? []
  if (methods.some((method) => method !== 'header')) {
    // The metadata would advertise query/body tokens to MCP clients, which the MCP spec forbids.
    throw new TypeError(
      `${caller}: the guard accepts ${methods.join(', ')} tokens; MCP allows the Authorization header only (tokenLocations: ['header'])`,
    )
  }
  const routeScopes =
    scopeOptions.scopes === undefined ? [] : typeof scopeOptions.scopes === 'string' ? [scopeOptions.scopes] : [...scopeOptions.scopes]
  let routeCheck: ScopeCheck | undefined
  try {
    routeCheck = routeScopes.length === 0 ? undefined : guard.scopeCheck(routeScopes)
  } catch (error) {
    throw new TypeError(`${caller}: "scopes": ${(error as Error).message}`)
  }
  const tools = compileToolScopes(scopeOptions.toolScopes, caller)

  /** A 401 naming the scopes the request needs (MCP: servers SHOULD include `scope` in 401 challenges). */
  const withScope = (error: unknown, required: readonly string[]): unknown => {
    if (!BearerError.is(error) || error.status !== 401 || required.length === 0) return error
    return guard.challenge(
      new BearerError({ status: 401, code: error.code, description: error.description, scope: required, cause: error.cause ?? error }),
    )
  }

  return {
    guard,
    resource,
    needsBody: tools.size > 0,
    async authorize(request) {
      const required = [
        ...new Set([...routeScopes, ...tools.requiredFor(request.method.toUpperCase() === 'POST' ? request.body : undefined)]),
      ]
      const query = queryOf(request.url)
      // MCP (authorization, "Access Token Usage"): tokens MUST NOT be in the query string. Refused outright,
      // not ignored: the token has already leaked into logs, and the client should hear about it.
      if (query !== undefined && new URLSearchParams(query).has('access_token')) {
        throw guard.challenge(new InvalidRequestError('access tokens are not accepted in the query string'))
      }
      let auth: McpAuthInfo
      try {
        // Header only: no query (stripped) and no body tokens on MCP routes, whatever the guard allows elsewhere.
        const verified = await guard.authenticate({
          method: request.method,
          url: pathOf(request.url),
          headers: request.headers,
          rawHeaders: request.rawHeaders,
        })
        auth = toMcpAuthInfo(verified, resource)
      } catch (error) {
        throw withScope(BearerError.is(error) ? guard.challenge(error) : error, required)
      }
      if (required.length > routeScopes.length) {
        const granted = new Set(auth.scopes)
        // One challenge naming every scope this operation needs, route's and tool's (MCP: no incremental challenges).
        if (required.some((scope) => !granted.has(scope))) throw guard.challenge(new InsufficientScopeError(required))
      } else routeCheck?.(auth)
      return auth
    },
  }
}

function queryOf(target: string): string | undefined {
  const start = target.indexOf('?')
  return start === -1 ? undefined : target.slice(start + 1)
}

function pathOf(target: string): string {
  const start = target.indexOf('?')
  return start === -1 ? target : target.slice(0, start)
}
