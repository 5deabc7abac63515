/**
 * Per-tool scopes, read from the JSON-RPC body before the MCP transport sees it: a tool handler runs after
 * the HTTP response has started, too late for the 403 that makes an MCP client step up its scopes.
 */
import { compileScopeCheck } from '@bearer-guard/core'

/** Tool name → scope(s) a `tools/call` of that tool needs, on top of the route's scopes. */
export type ToolScopes = Readonly<Record<string, string | readonly string[]>>

export interface ToolScopeTable {
  readonly size: number
  /** Scopes the JSON-RPC message (or batch) needs for its `tools/call`s; empty for anything else. */
  requiredFor(body: unknown): readonly string[]
}

/** Validates `toolScopes` once (names, scope syntax) and compiles the lookup. Throws a `TypeError` naming the tool. */
export function compileToolScopes(toolScopes: unknown, caller: string): ToolScopeTable {
  const table = new Map<string, readonly string[]>()
  if (toolScopes !== undefined) {
    if (typeof toolScopes !== 'object' || toolScopes === null || Array.isArray(toolScopes)) {
      throw new TypeError(`${caller}: "toolScopes" must be an object of tool name → scope(s)`)
    }
    for (const [tool, value] of Object.entries(toolScopes)) {
      const scopes = typeof value === 'string' ? [value] : value
      try {
        compileScopeCheck(scopes as readonly string[])
      } catch (error) {
        throw new TypeError(`${caller}: "toolScopes.${tool}": ${(error as Error).message}`)
      }
      table.set(tool, [...new Set(scopes as readonly string[])])
    }
  }
  return {
    size: table.size,
    requiredFor(body) {
      if (table.size === 0) return []
      const messages: unknown[] = Array.isArray(body) ? body : [body]
      const out = new Set<string>()
      for (const message of messages) {
        const name = toolCallName(message)
        // A Map, not the options object: a tool named "constructor" must not find Object.prototype's.
        const scopes = name === undefined ? undefined : table.get(name)
        if (scopes !== undefined) for (const scope of scopes) out.add(scope)
      }
      return [...out]
    },
  }
}

/** The tool a JSON-RPC `tools/call` request names; undefined for anything else, malformed included. */
function toolCallName(message: unknown): string | undefined {
  if (typeof message !== 'object' || message === null) return undefined
  const { method, params } = message as { method?: unknown; params?: unknown }
  if (method !== 'tools/call' || typeof params !== 'object' || params === null) return undefined
  const name = (params as { name?: unknown }).name
  return typeof name === 'string' ? name : undefined
}
