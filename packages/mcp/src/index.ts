// Re-exported so an MCP server needs one import for the guard, the metadata route and the MCP middleware.
export { BearerError, createGuard, isGuard, protectedResourceMetadata } from '@bearer-guard/express'
export type { McpAuthInfo } from './auth-info.js'
export { isMcpAuthInfo, toMcpAuthInfo } from './auth-info.js'
export type { McpAuthOptions, McpGate, McpRequest, McpScopeOptions } from './gate.js'
export { createMcpGate } from './gate.js'
export type { McpAuthMiddleware, McpTransportRequest } from './mcp-auth.js'
export { mcpAuth, mcpRequest } from './mcp-auth.js'
export type { ToolScopes } from './tool-scopes.js'
