import type { AuthInfo } from '@bearer-guard/core'
import { type McpAuthInfo, mcpAuth, mcpRequest } from '@bearer-guard/mcp'
import type { AuthInfo as SdkAuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import express from 'express'
import { describe, expectTypeOf, it } from 'vitest'

describe('@bearer-guard/mcp types', () => {
  it('McpAuthInfo is both an AuthInfo and the SDK AuthInfo', () => {
    expectTypeOf<McpAuthInfo>().toExtend<AuthInfo>()
    expectTypeOf<McpAuthInfo>().toExtend<SdkAuthInfo>()
    expectTypeOf<McpAuthInfo['clientId']>().toEqualTypeOf<string>()
  })

  it('req.auth keeps the adapter type; mcpRequest(req) is what the SDK transport takes', () => {
    const app = express()
    app.post(
      '/mcp',
      mcpAuth({ issuer: 'https://as.example', protectedResource: { resource: 'https://api.example/mcp' } }),
      async (req, res) => {
        expectTypeOf(req.auth).toEqualTypeOf<AuthInfo | undefined>()
        const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined })
        await transport.handleRequest(mcpRequest(req), res, req.body)
        // @ts-expect-error: bearer-guard's AuthInfo has an optional clientId and readonly scopes; the SDK wants neither
        await transport.handleRequest(req, res, req.body)
      },
    )
  })
})
