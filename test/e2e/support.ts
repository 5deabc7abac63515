/**
 * What the end-to-end tests share: the example packages (built `dist/`, as users run them), a real
 * oidc-provider authorization server, and tokens obtained from it by the client credentials grant.
 */
import {
  type AuthorizationServer,
  type AuthorizationServerOptions,
  DEMO_AUDIENCE,
  type DEMO_CLIENTS,
  startAuthorizationServer,
} from '../../examples/authorization-server/dist/index.js'
import { discover, requestToken } from '../../examples/client-credentials/dist/index.js'
import { startServer as startExpress } from '../../examples/express/dist/index.js'
import { startServer as startFastify } from '../../examples/fastify/dist/index.js'
import { startServer as startKoa } from '../../examples/koa/dist/index.js'

export { DEMO_AUDIENCE, DEMO_CLIENTS, OTHER_AUDIENCE } from '../../examples/authorization-server/dist/index.js'
export type { RunningServer, ServerOptions } from '../../examples/express/dist/index.js'

export const FRAMEWORKS = ['express', 'koa', 'fastify'] as const
export type Framework = (typeof FRAMEWORKS)[number]
export const startApi = { express: startExpress, koa: startKoa, fastify: startFastify } as const

/** An authorization server that reports oidc-provider's internal errors as test failures, not console noise. */
export async function startIssuer(options: AuthorizationServerOptions = {}): Promise<AuthorizationServer & { readonly errors: unknown[] }> {
  const errors: unknown[] = []
  const server = await startAuthorizationServer({ ...options, onServerError: (error) => errors.push(error) })
  return Object.assign(server, { errors })
}

export type Client = (typeof DEMO_CLIENTS)[keyof typeof DEMO_CLIENTS]

/** A real token: discovery, then `grant_type=client_credentials` at the server's token endpoint. */
export async function tokenFrom(
  server: AuthorizationServer,
  client: Client,
  scope: string,
  resource: string = DEMO_AUDIENCE,
): Promise<string> {
  const metadata = await discover(server.issuer)
  const response = await requestToken(metadata, client, { scope, resource })
  return response.access_token
}

export interface ApiResponse {
  readonly status: number
  readonly challenge: string | null
  readonly body: Record<string, unknown>
}

export async function call(url: string, options: { readonly token?: string; readonly method?: string } = {}): Promise<ApiResponse> {
  const response = await fetch(url, {
    method: options.method ?? 'GET',
    headers: options.token === undefined ? {} : { authorization: `Bearer ${options.token}` },
  })
  const text = await response.text()
  return { status: response.status, challenge: response.headers.get('www-authenticate'), body: text === '' ? {} : JSON.parse(text) }
}
