/** Public data types shared by the guard and the adapters. @module */

/** A JSON value as found in a token. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }

/** The JOSE header of a verified token. Only `alg` is guaranteed; everything else is as the issuer sent it. */
export interface JwtHeader {
  readonly alg: string
  readonly typ?: string
  readonly kid?: string
  readonly [parameter: string]: JsonValue | undefined
}

/** The claims of a verified token. Registered claims have been type-checked; the rest is as sent. */
export interface JwtClaims {
  readonly iss?: string
  readonly sub?: string
  readonly aud?: string | string[]
  readonly exp?: number
  readonly nbf?: number
  readonly iat?: number
  readonly jti?: string
  readonly client_id?: string
  readonly azp?: string
  readonly scope?: string
  readonly [claim: string]: JsonValue | undefined
}

/** What a successful verification yields; adapters expose it as `req.auth`, `ctx.state.auth`, `request.auth`. */
export interface AuthInfo {
  /** The token as received (a compact JWT, or an opaque token checked by introspection). */
  readonly token: string
  readonly header: JwtHeader
  readonly claims: JwtClaims
  /** Granted scopes, from `scope`/`scp` or the configured `scopeClaim`, de-duplicated, in token order. */
  readonly scopes: readonly string[]
  /** The OAuth client: `client_id` (RFC 9068), falling back to `azp`; or the configured `clientIdClaim`. */
  readonly clientId?: string
  readonly subject?: string
  /** `exp`, in seconds since the epoch. */
  readonly expiresAt?: number
  /**
   * Present on a DPoP-bound token (RFC 9449 §6.1): the JWK SHA-256 thumbprint its proofs were checked
   * against. Such a token is only ever accepted with a valid proof under the `DPoP` scheme.
   */
  readonly dpop?: { readonly jkt: string }
}

/** Header values as Node's `http.IncomingMessage#headers` holds them. */
export type IncomingHeaders = Readonly<Record<string, string | readonly string[] | undefined>>

/**
 * A framework-neutral view of an HTTP request: all {@link Guard.authenticate} needs. Adapters build it from
 * their request object without copying headers.
 */
export interface BearerRequest {
  /** HTTP method, any case. */
  readonly method: string
  /** The request target (path and query), as in `IncomingMessage#url`. */
  readonly url: string
  readonly headers: IncomingHeaders
  /**
   * `IncomingMessage#rawHeaders`, when available. Node keeps only the first of several `Authorization`
   * headers in `headers`; the raw list lets the guard reject the request instead (RFC 6750 §3.1).
   */
  readonly rawHeaders?: readonly string[]
  /** The parsed form body, only consulted when body tokens are enabled (RFC 6750 §2.2). */
  readonly body?: unknown
  /**
   * The connection is TLS (`socket.encrypted`). With DPoP and no configured `origin`, it decides the scheme
   * of the request's URL that proofs name (`htu`). Default false.
   */
  readonly secure?: boolean
}
