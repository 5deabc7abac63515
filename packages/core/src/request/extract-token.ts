/**
 * RFC 6750 §2 token transport: the `Authorization` header always, the form body (§2.2) and the query
 * (§2.3) only when enabled. A token in more than one place, or several credentials, is `invalid_request`
 * (§3.1); a request with no bearer credentials at all (including another scheme) gets the bare challenge.
 */
import { InvalidRequestError, MissingTokenError } from '../errors.js'
import { rejection } from '../rejection.js'
import type { BearerRequest } from '../types.js'

/** Where a bearer token may be read (RFC 6750 §2): the `Authorization` header, the `access_token` query parameter, or a form body. */
export type TokenLocation = 'header' | 'query' | 'body'

export interface TokenLocations {
  readonly query: boolean
  readonly body: boolean
  /** Accept `Authorization: DPoP <token>` (RFC 9449 §7.1) besides `Bearer`. */
  readonly dpop?: boolean
}

/** `Bearer` (any case), one or more spaces, then a b64token (RFC 6750 §2.1). */
const BEARER_HEADER = /^[Bb][Ee][Aa][Rr][Ee][Rr] +([A-Za-z0-9\-._~+/]+=*)$/
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/
// Any whitespace after the scheme still means "a Bearer credential, malformed" (RFC 7235 allows only SP).
const BEARER_SCHEME = /^bearer(?:\s|$)/i
const BEARER_ANYWHERE = /(?:^|,)\s*bearer(?:\s|$)/i
/** `DPoP` (any case), one or more spaces, then a token68 (RFC 9449 §7.1, RFC 9110 §11.2). */
const DPOP_HEADER = /^[Dd][Pp][Oo][Pp] +([A-Za-z0-9\-._~+/]+=*)$/
const DPOP_SCHEME = /^dpop(?:\s|$)/i
const DPOP_ANYWHERE = /(?:^|,)\s*dpop(?:\s|$)/i

export interface ExtractedToken {
  readonly token: string
  readonly location: TokenLocation
  /** The `Authorization` scheme; `Bearer` for query and body tokens. */
  readonly scheme: 'Bearer' | 'DPoP'
}

export function extractToken(request: BearerRequest, locations: TokenLocations): ExtractedToken {
  const fromHeader = readHeader(request, locations.dpop === true)
  const fromQuery = locations.query ? readQuery(request.url) : undefined
  const fromBody = locations.body ? readBody(request) : undefined
  const found = (fromHeader === undefined ? 0 : 1) + (fromQuery === undefined ? 0 : 1) + (fromBody === undefined ? 0 : 1)
  if (found > 1) {
    const where: TokenLocation[] = []
    if (fromHeader !== undefined) where.push('header')
    if (fromQuery !== undefined) where.push('query')
    if (fromBody !== undefined) where.push('body')
    throw new InvalidRequestError('token sent in more than one place', {
      cause: rejection('token_in_several_places', { locations: where }),
    })
  }
  if (fromHeader !== undefined) return { token: fromHeader.token, location: 'header', scheme: fromHeader.scheme }
  if (fromQuery !== undefined) return { token: fromQuery, location: 'query', scheme: 'Bearer' }
  if (fromBody !== undefined) return { token: fromBody, location: 'body', scheme: 'Bearer' }
  throw missing(request.headers.authorization)
}

function missing(authorization: unknown): MissingTokenError {
  // The other scheme's name only, never its credentials.
  const scheme = typeof authorization === 'string' ? authorization.trim().split(/\s/, 1)[0]?.slice(0, 32) : undefined
  return new MissingTokenError(undefined, { cause: rejection('token_missing', scheme === undefined || scheme === '' ? {} : { scheme }) })
}

const multipleHeaders = (): InvalidRequestError =>
  new InvalidRequestError('multiple authorization headers', { cause: rejection('multiple_authorization_headers', {}) })

function readHeader(request: BearerRequest, dpop: boolean): { token: string; scheme: 'Bearer' | 'DPoP' } | undefined {
  const value = request.headers.authorization
  if (value === undefined) return undefined
  if (typeof value !== 'string') throw multipleHeaders()
  if (request.rawHeaders !== undefined && countAuthorization(request.rawHeaders) > 1) throw multipleHeaders()
  const match = BEARER_HEADER.exec(value)
  if (match) return { token: match[1] as string, scheme: 'Bearer' }
  if (BEARER_SCHEME.test(value)) {
    throw value.slice(6).trim() === ''
      ? new InvalidRequestError('missing bearer token', { cause: rejection('token_empty', { location: 'header' }) })
      : new InvalidRequestError('malformed authorization header', { cause: rejection('malformed_authorization_header', {}) })
  }
  if (dpop) {
    const dpopMatch = DPOP_HEADER.exec(value)
    if (dpopMatch) return { token: dpopMatch[1] as string, scheme: 'DPoP' }
    if (DPOP_SCHEME.test(value)) {
      throw value.slice(4).trim() === ''
        ? new InvalidRequestError('missing DPoP token', { cause: rejection('token_empty', { location: 'header' }) })
        : new InvalidRequestError('malformed authorization header', { cause: rejection('malformed_authorization_header', {}) })
    }
  }
  // Another scheme is "no bearer credentials" unless a Bearer (or DPoP) credential hides in a comma-joined list.
  if (BEARER_ANYWHERE.test(value) || (dpop && DPOP_ANYWHERE.test(value))) {
    throw new InvalidRequestError('multiple credentials', { cause: rejection('multiple_credentials', {}) })
  }
  return undefined
}

function countAuthorization(rawHeaders: readonly string[]): number {
  let count = 0
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]
    if (name !== undefined && name.length === 13 && name.toLowerCase() === 'authorization') count += 1
  }
  return count
}

/**
 * The query's `access_token`, read as the frameworks read it: names are percent-decoded (`access%5Ftoken`
 * is `access_token` to Express, Koa and Fastify), and `access_token[...]` is what Express 4's `qs` turns
 * into an array or object under `access_token`. Any such parameter counts, so a request cannot carry a
 * second token the guard does not see but the application does.
 */
function readQuery(url: string): string | undefined {
  const start = url.indexOf('?')
  if (start === -1) return undefined
  // Fast path: without the literal name or any percent-encoding, no parameter can decode to it.
  if (!url.includes('access_token', start) && !url.includes('%', start)) return undefined
  let value: string | undefined
  let count = 0
  let bracketed = false
  for (const [name, item] of new URLSearchParams(url.slice(start + 1))) {
    if (name === 'access_token') {
      count += 1
      value = item
    } else if (name.startsWith('access_token[')) {
      count += 1
      bracketed = true
    }
  }
  if (count === 0) return undefined
  if (count > 1 || bracketed) {
    throw new InvalidRequestError('multiple access_token parameters', {
      cause: rejection('multiple_access_token_parameters', { location: 'query' }),
    })
  }
  return checkToken(value as string, 'query')
}

/**
 * True when RFC 6750 §2.2 lets this request carry its token in the body: not GET/HEAD, and a form-encoded
 * body. Adapters use it to verify every other request before its body is read.
 */
export function mayCarryBodyToken(method: string, contentType: string | readonly string[] | undefined): boolean {
  const upper = method.toUpperCase()
  if (upper === 'GET' || upper === 'HEAD') return false
  return typeof contentType === 'string' && contentType.split(';', 1)[0]?.trim().toLowerCase() === 'application/x-www-form-urlencoded'
}

function readBody(request: BearerRequest): string | undefined {
  if (!mayCarryBodyToken(request.method, request.headers['content-type'])) return undefined
  const body = request.body
  if (typeof body !== 'object' || body === null || !Object.hasOwn(body, 'access_token')) return undefined
  const value = (body as Record<string, unknown>).access_token
  if (typeof value !== 'string') {
    throw new InvalidRequestError('multiple access_token parameters', {
      cause: rejection('multiple_access_token_parameters', { location: 'body' }),
    })
  }
  return checkToken(value, 'body')
}

function checkToken(value: string, location: 'query' | 'body'): string {
  if (value === '') throw new InvalidRequestError('missing bearer token', { cause: rejection('token_empty', { location }) })
  if (!B64TOKEN.test(value)) {
    throw new InvalidRequestError('malformed access_token parameter', {
      cause: rejection('malformed_access_token_parameter', { location }),
    })
  }
  return value
}
