/**
 * The test issuer's RFC 7662 introspection endpoint: opaque tokens it issued introspect as active with
 * their claims until they expire or are revoked; anything else is `{"active":false}`. The caller must
 * authenticate as the configured resource server (client_secret_basic, client_secret_post or
 * private_key_jwt); a bad or missing credential gets 401 `invalid_client`, as a real server answers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { type CryptoKey, type JWTPayload, jwtVerify, type KeyObject } from 'jose'

/** The resource server's credentials the test issuer's introspection endpoint accepts. */
export interface IntrospectionClient {
  /** Default `resource-server`. */
  readonly clientId?: string
  /** Default `resource-server-secret`. */
  readonly clientSecret?: string
  /** Public key that verifies the client's `private_key_jwt` assertions. */
  readonly publicKey?: CryptoKey | KeyObject
}

export interface OpaqueToken {
  readonly claims: JWTPayload
  revoked: boolean
}

const MAX_BODY = 64 * 1024

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY) req.destroy()
      else chunks.push(chunk)
    })
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

/** How the last introspection request authenticated, for tests that check the client auth method. */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt'

export interface IntrospectionState {
  readonly tokens: Map<string, OpaqueToken>
  readonly client: Required<Pick<IntrospectionClient, 'clientId' | 'clientSecret'>> & Pick<IntrospectionClient, 'publicKey'>
  readonly issuer: () => string
  readonly endpoint: () => string
  lastAuthMethod: ClientAuthMethod | undefined
}

async function authenticate(req: IncomingMessage, form: URLSearchParams, state: IntrospectionState): Promise<ClientAuthMethod | undefined> {
  const { clientId, clientSecret, publicKey } = state.client
  const header = req.headers.authorization
  if (header?.startsWith('Basic ')) {
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    const id = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '))
    const secret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' '))
    return id === clientId && secret === clientSecret ? 'client_secret_basic' : undefined
  }
  const assertion = form.get('client_assertion')
  if (assertion !== null) {
    if (publicKey === undefined || form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
      return undefined
    try {
      const { payload } = await jwtVerify(assertion, publicKey, {
        issuer: clientId,
        subject: clientId,
        audience: [state.endpoint(), state.issuer()],
      })
      return payload.jti !== undefined ? 'private_key_jwt' : undefined
    } catch {
      return undefined
    }
  }
  if (form.get('client_id') === clientId && form.get('client_secret') === clientSecret) return 'client_secret_post'
  return undefined
}

export async function handleIntrospection(req: IncomingMessage, res: ServerResponse, state: IntrospectionState): Promise<void> {
  if (req.method !== 'POST') {
    res.writeHead(405, { allow: 'POST' }).end()
    return
  }
  const form = new URLSearchParams(await readBody(req))
  const method = await authenticate(req, form, state)
  if (method === undefined) {
    res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Basic' }).end('{"error":"invalid_client"}')
    return
  }
  state.lastAuthMethod = method
  const token = form.get('token')
  if (token === null) {
    res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid_request"}')
    return
  }
  const entry = state.tokens.get(token)
  const now = Math.floor(Date.now() / 1000)
  const active = entry !== undefined && !entry.revoked && (entry.claims.exp === undefined || entry.claims.exp > now)
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' })
  res.end(JSON.stringify(active ? { active: true, ...entry.claims } : { active: false }))
}
