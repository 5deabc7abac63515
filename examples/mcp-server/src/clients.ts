/** The MCP demo's clients, registered at the authorization server. Fixed secrets: loopback demo only. */
import type { DemoClient } from '@bearer-guard/example-authorization-server'
import { MCP_SCOPE, WRITE_SCOPE } from './tools.js'

export const MCP_CLIENTS = {
  /** May call every tool. */
  agent: {
    clientId: 'reports-agent',
    clientSecret: 'agent-secret-for-local-demos-only',
    scope: `${MCP_SCOPE} ${WRITE_SCOPE}`,
    tokenEndpointAuthMethod: 'client_secret_basic',
  },
  /** May list, not delete. */
  viewer: {
    clientId: 'reports-viewer',
    clientSecret: 'viewer-secret-for-local-demos-only',
    scope: MCP_SCOPE,
    tokenEndpointAuthMethod: 'client_secret_basic',
  },
} as const satisfies Record<string, DemoClient>
