/**
 * Runs oidc-provider on 127.0.0.1. The HTTP server outlives the Provider instance: rotating keys builds a
 * new Provider with the new key in front and swaps it in, on the same port and issuer, which is what a
 * key rotation looks like from a resource server's side.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import Provider from 'oidc-provider'
import { buildConfiguration, type DemoClient } from './configuration.js'
import { generateSigningKey, type SigningAlgorithm, type SigningKey } from './keys.js'
import { createMemoryAdapter } from './memory-adapter.js'

/** The demo API's resource indicator: the `aud` of the tokens it accepts. */
export const DEMO_AUDIENCE = 'https://reports.example.test'
/** A second API on the same server, for tokens the demo API must refuse (wrong audience). */
export const OTHER_AUDIENCE = 'https://billing.example.test'
export const DEMO_SCOPES = ['read:data', 'write:data'] as const
/** A resource whose access tokens are opaque, when listed in `opaqueResources`: APIs introspect them. */
export const OPAQUE_AUDIENCE = 'https://ledger.example.test'
/** The demo API as a client of the introspection endpoint (RFC 7662 §2.1). Local demos only. */
export const DEMO_RESOURCE_SERVER = {
  clientId: 'reports-api',
  clientSecret: 'reports-api-secret-for-local-demos-only',
  scope: '',
} as const satisfies DemoClient

/** Demo clients. Fixed secrets so README commands can be pasted; fine for a loopback demo, never elsewhere. */
export const DEMO_CLIENTS = {
  writer: { clientId: 'reports-writer', clientSecret: 'writer-secret-for-local-demos-only', scope: 'read:data write:data' },
  reader: { clientId: 'reports-reader', clientSecret: 'reader-secret-for-local-demos-only', scope: 'read:data' },
} as const satisfies Record<string, DemoClient>

export interface AuthorizationServerOptions {
  /** Default 0: a free port. */
  readonly port?: number
  /** Default 127.0.0.1. */
  readonly host?: string
  /** Resource indicators tokens can be issued for; the first is the default. Default [DEMO_AUDIENCE, OTHER_AUDIENCE]. */
  readonly resources?: readonly string[]
  /** Resources (among `resources`) whose access tokens are opaque rather than JWTs. Default none. */
  readonly opaqueResources?: readonly string[]
  /** Resource servers allowed to introspect tokens. Default [{@link DEMO_RESOURCE_SERVER}]. */
  readonly introspectionClients?: readonly DemoClient[]
  /** Default {@link DEMO_SCOPES}. */
  readonly scopes?: readonly string[]
  /** Default both {@link DEMO_CLIENTS}. */
  readonly clients?: readonly DemoClient[]
  /** Access token lifetime in seconds. Default 300: short-lived, as machine tokens should be. */
  readonly accessTokenTtlSeconds?: number
  /** Algorithm of the first signing key. Default RS256 (the one RFC 9068 §2.1 requires support for). */
  readonly signingAlgorithm?: SigningAlgorithm
  /** Called with oidc-provider's internal errors (never expected). Default: console.error. */
  readonly onServerError?: (error: unknown) => void
}

export interface RequestCounts {
  readonly discovery: number
  readonly jwks: number
  readonly token: number
  readonly introspection: number
  readonly revocation: number
  readonly total: number
}

export interface RotateOptions {
  /** Algorithm of the new key. Default: the current signing key's. */
  readonly alg?: SigningAlgorithm
  /** Keep publishing the previous keys, so tokens they signed stay valid until they expire. Default true. */
  readonly keepPrevious?: boolean
}

export interface AuthorizationServer {
  /** `http://127.0.0.1:<port>`: the `iss` of every token and the base of discovery. */
  readonly issuer: string
  readonly discoveryUrl: string
  readonly tokenEndpoint: string
  readonly introspectionEndpoint: string
  readonly revocationEndpoint: string
  readonly jwksUri: string
  readonly resources: readonly string[]
  readonly scopes: readonly string[]
  readonly clients: readonly DemoClient[]
  readonly accessTokenTtlSeconds: number
  /** `kid`s in the JWKS, the signing key first. */
  readonly kids: readonly string[]
  /** Requests served so far, by endpoint. */
  readonly requests: RequestCounts
  /**
   * Issues tokens for one more resource indicator from now on, as an administrator registering a new API
   * would (e.g. an MCP server whose URL is only known once it listens).
   */
  addResource(resource: string): void
  /** Signs new tokens with a fresh key from now on; returns its `kid`. */
  rotateKeys(options?: RotateOptions): Promise<string>
  close(): Promise<void>
}

export async function startAuthorizationServer(options: AuthorizationServerOptions = {}): Promise<AuthorizationServer> {
  const host = options.host ?? '127.0.0.1'
  const resources = [...(options.resources ?? [DEMO_AUDIENCE, OTHER_AUDIENCE])]
  const scopes = options.scopes ?? DEMO_SCOPES
  const clients = options.clients ?? Object.values(DEMO_CLIENTS)
  const accessTokenTtlSeconds = options.accessTokenTtlSeconds ?? 300
  const onServerError = options.onServerError ?? ((error: unknown) => console.error('authorization server error:', error))
  const opaqueResources = options.opaqueResources ?? []
  const introspectionClients = options.introspectionClients ?? [DEMO_RESOURCE_SERVER]
  const counts = { discovery: 0, jwks: 0, token: 0, introspection: 0, revocation: 0, total: 0 }
  let keys: SigningKey[] = [await generateSigningKey(options.signingAlgorithm ?? 'RS256')]
  const adapter = createMemoryAdapter()
  let handle: ((req: IncomingMessage, res: ServerResponse) => void) | undefined

  const server = createServer((req, res) => {
    counts.total += 1
    const path = new URL(req.url ?? '/', 'http://localhost').pathname
    // oidc-provider serves both RFC 8414 and OpenID discovery documents.
    if (path.startsWith('/.well-known/')) counts.discovery += 1
    else if (path === '/jwks') counts.jwks += 1
    else if (path === '/token') counts.token += 1
    else if (path === '/token/introspection') counts.introspection += 1
    else if (path === '/token/revocation') counts.revocation += 1
    if (handle) handle(req, res)
    else res.writeHead(503).end()
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => resolve())
  })
  const { port } = server.address() as AddressInfo
  const issuer = `http://${host.includes(':') ? `[${host}]` : host}:${port}`

  const mount = (): void => {
    const provider = new Provider(
      issuer,
      buildConfiguration({
        keys,
        clients,
        resources,
        opaqueResources,
        introspectionClients,
        scopes,
        accessTokenTtlSeconds,
        adapter,
      }),
    )
    provider.on('server_error', (_ctx, error) => onServerError(error))
    handle = provider.callback()
  }
  mount()

  return {
    issuer,
    discoveryUrl: `${issuer}/.well-known/openid-configuration`,
    tokenEndpoint: `${issuer}/token`,
    introspectionEndpoint: `${issuer}/token/introspection`,
    revocationEndpoint: `${issuer}/token/revocation`,
    jwksUri: `${issuer}/jwks`,
    resources,
    scopes,
    clients,
    accessTokenTtlSeconds,
    addResource(resource) {
      if (resources.includes(resource)) return
      resources.push(resource)
      mount()
    },
    get kids() {
      return keys.map((key) => key.kid)
    },
    get requests() {
      return { ...counts }
    },
    async rotateKeys(rotate = {}) {
      const current = keys[0]
      const next = await generateSigningKey(rotate.alg ?? current?.alg ?? 'RS256')
      keys = rotate.keepPrevious === false ? [next] : [next, ...keys]
      mount()
      return next.kid
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
    },
  }
}
