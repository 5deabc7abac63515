/**
 * The MCP server itself: two tools over an in-memory list of reports. Built per request (stateless
 * Streamable HTTP), so nothing here knows about HTTP or tokens beyond what the SDK hands each tool.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { z } from 'zod'

/** Scope every MCP request needs. */
export const MCP_SCOPE = 'mcp:tools'
/** Extra scope `delete_report` needs: checked at the HTTP level, before the tool runs. */
export const WRITE_SCOPE = 'reports:write'
export const TOOL_SCOPES = { delete_report: WRITE_SCOPE } as const

export interface ReportStore {
  readonly reports: Map<string, string>
}

export function createStore(): ReportStore {
  return {
    reports: new Map([
      ['r-1', 'Q3 revenue'],
      ['r-2', 'Q4 forecast'],
    ]),
  }
}

export function buildMcpServer(store: ReportStore): McpServer {
  const server = new McpServer({ name: 'reports', version: '1.0.0' })
  server.registerTool(
    'list_reports',
    { description: 'Lists the reports, and says which client asked.', inputSchema: {} },
    async (_args, extra) => ({
      content: [
        {
          type: 'text',
          // extra.authInfo is the SDK's AuthInfo, set by mcpAuth: clientId, scopes, resource, expiresAt.
          text: JSON.stringify({
            reports: [...store.reports].map(([id, title]) => ({ id, title })),
            clientId: extra.authInfo?.clientId,
            scopes: extra.authInfo?.scopes,
            resource: extra.authInfo?.resource?.href,
          }),
        },
      ],
    }),
  )
  server.registerTool(
    'delete_report',
    { description: `Deletes a report (needs ${WRITE_SCOPE}).`, inputSchema: { id: z.string() } },
    async ({ id }) => ({ content: [{ type: 'text', text: store.reports.delete(id) ? `deleted ${id}` : `no report ${id}` }] }),
  )
  return server
}
