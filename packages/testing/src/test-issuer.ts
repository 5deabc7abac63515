/**
 * A real authorization-server stand-in for tests: an HTTP server on 127.0.0.1 that serves RFC 8414 and
 * OpenID discovery documents and a JWKS, mints access tokens with its keys, rotates them, and misbehaves
 * on demand (down, hanging, slow, HTTP errors, invalid JSON, oversized bodies, redirects).
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose'
import { type ClientAuthMethod, handleIntrospection, type IntrospectionClient, type IntrospectionState } from './introspection-endpoint.js'
import { hashedNonce, type ProviderTokenShape, shapeToken } from './provider-tokens.js'

/** Algorithms the test issuer can sign with. */
export type SigningAlgorithm = 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'ES512' | 'EdDSA' | 'Ed25519'

/** Options of {@link createTestIssuer}. */
export interface TestIssuerOptions {
  /** Algorithm of the first key. Default RS256. */
  readonly alg?: SigningAlgorithm
  /** Default `aud` of minted tokens. Default `https://api.example.test`. */
  readonly audience?: string
  /** Path appended to the issuer URL, e.g. `/tenant-a`. Default: none (issuer is the origin). */
  readonly issuerPath?: string
  /** `Cache-Control` sent with the JWKS. Default: none. */
  readonly jwksCacheControl?: string
  /** The resource server allowed to call the introspection endpoint. Default `resource-server` / `resource-server-secret`. */
  readonly introspectionClient?: IntrospectionClient
}

/** Options of {@link TestIssuer.issueOpaque}. */
export interface OpaqueTokenOptions {
  /** Space-delimited `scope`. */
  readonly scope?: string
  /** Seconds until `exp`. Default 3600. */
  readonly expiresIn?: number
}

/** Options of {@link TestIssuer.sign}. */
export interface SignOptions {
  /** Space-delimited `scope` claim. */
  readonly scope?: string
  /** Seconds until `exp`; negative for an expired token. Default 3600. `null` omits `exp`. */
  readonly expiresIn?: number | null
  /** Signing key's algorithm; the newest key of that algorithm signs. Default: the newest key's. */
  readonly alg?: SigningAlgorithm
  /** Sign with this key (by `kid`). */
  readonly kid?: string
  /** Protected header members to add or override (`typ`, `kid`, anything). `undefined` values remove. */
  readonly header?: Readonly<Record<string, unknown>>
}

/** How {@link TestIssuer.fail} makes the JWKS (and optionally discovery) endpoint misbehave; `'ok'` restores it. */
export type FailureMode =
  | 'ok'
  | 'down' // connection reset on every request
  | 'hang' // accept and never answer
  | 'slow' // answer after `delayMs`
  | 'http-500'
  | 'http-404'
  | 'invalid-json'
  | 'oversized' // endless JSON-looking body
  | 'empty-keys'
  | 'redirect' // 302 to `location`

/** Options of {@link TestIssuer.rotate}. */
export interface RotateOptions {
  readonly alg?: SigningAlgorithm
  /** Keep the previous keys in the JWKS (default true). */
  readonly keepPrevious?: boolean
  /** List the new key in the JWKS now (default true); false mints with a key not yet published. */
  readonly publish?: boolean
}

/** Requests the test issuer has served, by endpoint (see {@link TestIssuer.requests}). */
export interface RequestCounts {
  readonly jwks: number
  readonly discovery: number
  readonly total: number
}

interface SigningKey {
  readonly kid: string
  readonly alg: SigningAlgorithm
  readonly privateKey: CryptoKey
  readonly publicJwk: JWK
  published: boolean
}

/** A running test issuer on 127.0.0.1, from {@link createTestIssuer}. */
export interface TestIssuer {
  /** The issuer identifier (`iss`), `http://127.0.0.1:<port>` plus any `issuerPath`. */
  readonly issuer: string
  readonly origin: string
  readonly jwksUri: string
  readonly audience: string
  /** Mints a signed access token. Default claims: iss, aud, sub, client_id, iat, exp, jti; `typ: at+jwt`. */
  sign(claims?: JWTPayload, options?: SignOptions): Promise<string>
  /**
   * Mints a token in the shape a real provider emits (Auth0, Entra v1/v2, Okta, Keycloak, Cognito; access
   * or ID token), signed RS256 with this issuer's newest RS256 key. Its `iss` is the provider's, so verify
   * it with the provider's preset and `jwksUri` pointed at {@link TestIssuer.jwksUri}.
   */
  signAs(shape: ProviderTokenShape): Promise<string>
  /** `${origin}/introspect`, also announced as `introspection_endpoint` in discovery. */
  readonly introspectionEndpoint: string
  /**
   * Issues an opaque (random, 43-character) access token; the introspection endpoint answers it with
   * `active: true` and these claims (defaults: iss, aud, sub, client_id, iat, exp, token_type Bearer).
   */
  issueOpaque(claims?: JWTPayload, options?: OpaqueTokenOptions): string
  /** Revokes an opaque token: it introspects as `{"active":false}` from now on. */
  revoke(token: string): void
  /** Makes the introspection endpoint misbehave (`ok` restores it). */
  failIntrospection(mode: FailureMode, options?: { readonly delayMs?: number }): void
  /** Introspection requests served so far (also counted in `requests.total`); reset by `resetCounts`. */
  readonly introspectionRequests: number
  /** Client authentication method of the last accepted introspection request. */
  readonly lastIntrospectionAuth: ClientAuthMethod | undefined
  /** Adds a new signing key (newest signs by default) and returns its `kid`. */
  rotate(options?: RotateOptions): Promise<string>
  /** Publishes a key created with `publish: false`. */
  publish(kid: string): void
  /** Drops a key from the JWKS (tokens it signed must stop verifying after the next refresh). */
  removeKey(kid: string): void
  /** Extra raw entries appended to the JWKS, for hostile-JWKS tests. */
  setExtraKeys(keys: readonly unknown[]): void
  /** Makes the JWKS (and, with `discovery: true`, discovery) misbehave. */
  fail(mode: FailureMode, options?: { readonly delayMs?: number; readonly location?: string; readonly discovery?: boolean }): void
  /** Overrides the `issuer` member of the discovery documents (for mismatch tests). */
  setMetadataIssuer(issuer: string | undefined): void
  /** The current JWKS document. */
  jwks(): { keys: unknown[] }
  readonly kids: readonly string[]
  /** The private key of `kid`, for crafting tokens by hand. */
  privateKey(kid: string): CryptoKey
  /** The public JWK of `kid`, as published in the JWKS. */
  publicJwk(kid: string): JWK
  /** Requests served so far, by endpoint. */
  readonly requests: RequestCounts
  /** Sets every {@link RequestCounts} member back to 0. */
  resetCounts(): void
  /** Stops the server and drops open connections. */
  close(): Promise<void>
}

/**
 * Starts a test issuer on 127.0.0.1 (random port) with one signing key (`options.alg`, RS256 by default):
 * discovery documents, a JWKS, and {@link TestIssuer.sign} to mint access tokens. Call `close()` when done.
 */
export async function createTestIssuer(options: TestIssuerOptions = {}): Promise<TestIssuer> {
  const keys: SigningKey[] = []
  const counts = { jwks: 0, discovery: 0, total: 0 }
  let introspectionCount = 0
  let introspectionMode: FailureMode = 'ok'
  let introspectionDelayMs = 0
  const introspection: IntrospectionState = {
    tokens: new Map(),
    client: {
      clientId: options.introspectionClient?.clientId ?? 'resource-server',
      clientSecret: options.introspectionClient?.clientSecret ?? 'resource-server-secret',
      publicKey: options.introspectionClient?.publicKey,
    },
    issuer: () => issuer,
    endpoint: () => `${origin}/introspect`,
    lastAuthMethod: undefined,
  }
  const sockets = new Set<Socket>()
  let extraKeys: readonly unknown[] = []
  let mode: FailureMode = 'ok'
  let failDiscovery = false
  let delayMs = 0
  let location = ''
  let metadataIssuer: string | undefined
  const audience = options.audience ?? 'https://api.example.test'
  const path = options.issuerPath ?? ''

  const addKey = async (alg: SigningAlgorithm, published: boolean): Promise<SigningKey> => {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
    const kid = randomUUID()
    const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }
    const key: SigningKey = { kid, alg, privateKey, publicJwk, published }
    keys.push(key)
    return key
  }
  await addKey(options.alg ?? 'RS256', true)

  const jwks = (): { keys: unknown[] } => ({ keys: [...keys.filter((k) => k.published).map((k) => k.publicJwk), ...extraKeys] })

  const server: Server = createServer((req, res) => {
    counts.total += 1
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    if (url.pathname === '/jwks.json') {
      counts.jwks += 1
      return respond(req, res, jwks, true, true)
    }
    if (url.pathname === '/introspect') {
      introspectionCount += 1
      const answer = (): void => {
        handleIntrospection(req, res, introspection).catch(() => res.destroy())
      }
      if (introspectionMode === 'ok') return answer()
      if (introspectionMode === 'slow') {
        setTimeout(answer, introspectionDelayMs)
        return
      }
      const saved = mode
      mode = introspectionMode
      respond(req, res, () => ({}), true, false)
      mode = saved
      return
    }
    if (isDiscoveryPath(url.pathname, path)) {
      counts.discovery += 1
      return respond(
        req,
        res,
        () => ({
          issuer: metadataIssuer ?? issuer,
          jwks_uri: jwksUri,
          token_endpoint: `${origin}/token`,
          introspection_endpoint: `${origin}/introspect`,
        }),
        failDiscovery,
        false,
      )
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found"}')
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })

  function respond(req: IncomingMessage, res: ServerResponse, body: () => unknown, failing: boolean, isJwks: boolean): void {
    const effective = failing ? mode : 'ok'
    switch (effective) {
      case 'down':
        req.socket.destroy()
        return
      case 'hang':
        return
      case 'http-500':
        res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error at /srv/keys: secret-upstream-detail')
        return
      case 'http-404':
        res.writeHead(404).end()
        return
      case 'invalid-json':
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys": [')
        return
      case 'redirect':
        res.writeHead(302, { location }).end()
        return
      case 'oversized':
        streamOversized(res)
        return
      case 'empty-keys':
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[]}')
        return
      case 'slow':
        setTimeout(() => sendJson(res, body(), isJwks), delayMs)
        return
      default:
        sendJson(res, body(), isJwks)
    }
  }

  function sendJson(res: ServerResponse, value: unknown, isJwks: boolean): void {
    if (res.destroyed) return
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (isJwks && options.jwksCacheControl) headers['cache-control'] = options.jwksCacheControl
    res.writeHead(200, headers).end(JSON.stringify(value))
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const issuer = `${origin}${path}`
  const jwksUri = `${origin}/jwks.json`

  const findKey = (kid: string): SigningKey => {
    const key = keys.find((k) => k.kid === kid)
    if (!key) throw new Error(`test issuer: no key ${kid}`)
    return key
  }

  return {
    issuer,
    origin,
    jwksUri,
    audience,
    async sign(claims = {}, signOptions = {}) {
      const key = signOptions.kid
        ? findKey(signOptions.kid)
        : ([...keys].reverse().find((k) => signOptions.alg === undefined || k.alg === signOptions.alg) ??
          (await addKey(signOptions.alg as SigningAlgorithm, true)))
      const now = Math.floor(Date.now() / 1000)
      const payload: JWTPayload = {
        iss: issuer,
        aud: audience,
        sub: 'test-client',
        client_id: 'test-client',
        iat: now,
        jti: randomUUID(),
        ...(signOptions.expiresIn === null ? {} : { exp: now + (signOptions.expiresIn ?? 3600) }),
        ...(signOptions.scope === undefined ? {} : { scope: signOptions.scope }),
        ...claims,
      }
      const header: Record<string, unknown> = { alg: key.alg, typ: 'at+jwt', kid: key.kid, ...signOptions.header }
      for (const name of Object.keys(header)) if (header[name] === undefined) delete header[name]
      return new SignJWT(payload).setProtectedHeader(header as { alg: string }).sign(key.privateKey)
    },
    introspectionEndpoint: `${origin}/introspect`,
    issueOpaque(claims = {}, opaqueOptions = {}) {
      const token = randomBytes(32).toString('base64url')
      const now = Math.floor(Date.now() / 1000)
      introspection.tokens.set(token, {
        revoked: false,
        claims: {
          iss: issuer,
          aud: audience,
          sub: 'test-client',
          client_id: 'test-client',
          iat: now,
          exp: now + (opaqueOptions.expiresIn ?? 3600),
          token_type: 'Bearer',
          ...(opaqueOptions.scope === undefined ? {} : { scope: opaqueOptions.scope }),
          ...claims,
        },
      })
      return token
    },
    revoke(token) {
      const entry = introspection.tokens.get(token)
      if (entry) entry.revoked = true
    },
    failIntrospection(failure, failOptions = {}) {
      introspectionMode = failure
      introspectionDelayMs = failOptions.delayMs ?? 0
    },
    get introspectionRequests() {
      return introspectionCount
    },
    get lastIntrospectionAuth() {
      return introspection.lastAuthMethod
    },
    async signAs(shape) {
      const key = [...keys].reverse().find((k) => k.alg === 'RS256' && k.published) ?? (await addKey('RS256', true))
      const { header, claims, graphNonce } = shapeToken(shape, key.kid)
      if (graphNonce === undefined) return new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(key.privateKey)
      // Graph's scheme: the signature covers a header holding the nonce's hash; the token carries the nonce.
      const signed = await new SignJWT(claims)
        .setProtectedHeader({ ...header, nonce: hashedNonce(graphNonce) } as unknown as { alg: string })
        .sign(key.privateKey)
      const sent = Buffer.from(JSON.stringify({ ...header, nonce: graphNonce })).toString('base64url')
      return `${sent}.${signed.slice(signed.indexOf('.') + 1)}`
    },
    async rotate(rotateOptions = {}) {
      const alg = rotateOptions.alg ?? keys[keys.length - 1]?.alg ?? 'RS256'
      if (rotateOptions.keepPrevious === false) for (const k of keys) k.published = false
      const key = await addKey(alg, rotateOptions.publish ?? true)
      return key.kid
    },
    publish(kid) {
      findKey(kid).published = true
    },
    removeKey(kid) {
      findKey(kid).published = false
    },
    setExtraKeys(entries) {
      extraKeys = [...entries]
    },
    fail(failure, failOptions = {}) {
      mode = failure
      delayMs = failOptions.delayMs ?? 0
      location = failOptions.location ?? ''
      failDiscovery = failOptions.discovery ?? false
    },
    setMetadataIssuer(value) {
      metadataIssuer = value
    },
    jwks,
    get kids() {
      return keys.filter((k) => k.published).map((k) => k.kid)
    },
    privateKey: (kid) => findKey(kid).privateKey,
    publicJwk: (kid) => ({ ...findKey(kid).publicJwk }),
    get requests() {
      return { ...counts }
    },
    resetCounts() {
      counts.jwks = 0
      counts.discovery = 0
      introspectionCount = 0
      counts.total = 0
    },
    close() {
      for (const socket of sockets) socket.destroy()
      return new Promise((resolve) => server.close(() => resolve()))
    },
  }
}

function isDiscoveryPath(pathname: string, issuerPath: string): boolean {
  return (
    pathname === `/.well-known/oauth-authorization-server${issuerPath}` ||
    pathname === `/.well-known/openid-configuration${issuerPath}` ||
    pathname === `${issuerPath}/.well-known/openid-configuration`
  )
}

/** Writes a JSON array forever (until the client goes away), to test response size limits. */
function streamOversized(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json' })
  res.write('{"keys":[')
  const chunk = `${'{"kty":"RSA","n":"AAAA","e":"AQAB"},'.repeat(1024)}`
  const pump = (): void => {
    while (!res.destroyed && res.write(chunk)) {
      /* keep writing until backpressure */
    }
    if (!res.destroyed) res.once('drain', pump)
  }
  res.on('close', () => res.removeAllListeners('drain'))
  pump()
}
