/**
 * RFC 6750 §2 token transport: the `Authorization` header always, the form body (§2.2) and the query
 * (§2.3) only when enabled. A token in more than one place, or several credentials, is `invalid_request`
 * (§3.1); a request with no bearer credentials at all (including another scheme) gets the bare challenge.
 */
import { InvalidRequestError, MissingTokenError } from '../errors.js'
import type { BearerRequest } from '../types.js'

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
  if (found > 1) throw new InvalidRequestError('token sent in more than one place')
  if (fromHeader !== undefined) return { token: fromHeader.token, location: 'header', scheme: fromHeader.scheme }
  if (fromQuery !== undefined) return { token: fromQuery, location: 'query', scheme: 'Bearer' }
  if (fromBody !== undefined) return { token: fromBody, location: 'body', scheme: 'Bearer' }
  throw new MissingTokenError()
}

function readHeader(request: BearerRequest, dpop: boolean): { token: string; scheme: 'Bearer' | 'DPoP' } | undefined {
  const value = request.headers.authorization
  if (value === undefined) return undefined
  if (typeof value !== 'string') throw new InvalidRequestError('multiple authorization headers')
  if (request.rawHeaders !== undefined && countAuthorization(request.rawHeaders) > 1) {
    throw new InvalidRequestError('multiple authorization headers')
  }
  const match = BEARER_HEADER.exec(value)
  if (match) return { token: match[1] as string, scheme: 'Bearer' }
  if (BEARER_SCHEME.test(value)) {
    throw new InvalidRequestError(value.slice(6).trim() === '' ? 'missing bearer token' : 'malformed authorization header')
  }
  if (dpop) {
    const dpopMatch = DPOP_HEADER.exec(value)
    if (dpopMatch) return { token: dpopMatch[1] as string, scheme: 'DPoP' }
    if (DPOP_SCHEME.test(value)) {
      throw new InvalidRequestError(value.slice(4).trim() === '' ? 'missing DPoP token' : 'malformed authorization header')
    }
  }
  // Another scheme is "no bearer credentials" unless a Bearer (or DPoP) credential hides in a comma-joined list.
  if (BEARER_ANYWHERE.test(value) || (dpop && DPOP_ANYWHERE.test(value))) throw new InvalidRequestError('multiple credentials')
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

function readQuery(url: string): string | undefined {
  const start = url.indexOf('?')
  if (start === -1 || !url.includes('access_token', start)) return undefined
  const values = new URLSearchParams(url.slice(start + 1)).getAll('access_token')
  if (values.length === 0) return undefined
  if (values.length > 1) throw new InvalidRequestError('multiple access_token parameters')
  return checkToken(values[0] as string)
}

function readBody(request: BearerRequest): string | undefined {
  const method = request.method.toUpperCase()
  if (method === 'GET' || method === 'HEAD') return undefined
  const type = request.headers['content-type']
  if (typeof type !== 'string' || type.split(';', 1)[0]?.trim().toLowerCase() !== 'application/x-www-form-urlencoded') return undefined
  const body = request.body
  if (typeof body !== 'object' || body === null || !Object.hasOwn(body, 'access_token')) return undefined
  const value = (body as Record<string, unknown>).access_token
  if (typeof value !== 'string') throw new InvalidRequestError('multiple access_token parameters')
  return checkToken(value)
}

function checkToken(value: string): string {
  if (value === '') throw new InvalidRequestError('missing bearer token')
  if (!B64TOKEN.test(value)) throw new InvalidRequestError('malformed access_token parameter')
  return value
}
