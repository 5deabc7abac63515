/**
 * RFC 6750 §2 token transport: the `Authorization` header always, the form body (§2.2) and the query
 * (§2.3) only when enabled. A token in more than one place, or several credentials, is `invalid_request`
 * (§3.1); a request with no bearer credentials at all (including another scheme) gets the bare challenge.
 */
import { InvalidRequestError, MissingTokenError } from '../errors.js'
import type { BearerRequest } from '../types.js'

/** Where a bearer token may be read (RFC 6750 §2): the `Authorization` header, the `access_token` query parameter, or a form body. */
export type TokenLocation = 'header' | 'query' | 'body'

export interface TokenLocations {
  readonly query: boolean
  readonly body: boolean
}

/** `Bearer` (any case), one or more spaces, then a b64token (RFC 6750 §2.1). */
const BEARER_HEADER = /^[Bb][Ee][Aa][Rr][Ee][Rr] +([A-Za-z0-9\-._~+/]+=*)$/
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/
// Any whitespace after the scheme still means "a Bearer credential, malformed" (RFC 7235 allows only SP).
const BEARER_SCHEME = /^bearer(?:\s|$)/i
const BEARER_ANYWHERE = /(?:^|,)\s*bearer(?:\s|$)/i

export interface ExtractedToken {
  readonly token: string
  readonly location: TokenLocation
}

export function extractToken(request: BearerRequest, locations: TokenLocations): ExtractedToken {
  const fromHeader = readHeader(request)
  const fromQuery = locations.query ? readQuery(request.url) : undefined
  const fromBody = locations.body ? readBody(request) : undefined
  const found = (fromHeader === undefined ? 0 : 1) + (fromQuery === undefined ? 0 : 1) + (fromBody === undefined ? 0 : 1)
  if (found > 1) throw new InvalidRequestError('token sent in more than one place')
  if (fromHeader !== undefined) return { token: fromHeader, location: 'header' }
  if (fromQuery !== undefined) return { token: fromQuery, location: 'query' }
  if (fromBody !== undefined) return { token: fromBody, location: 'body' }
  throw new MissingTokenError()
}

function readHeader(request: BearerRequest): string | undefined {
  const value = request.headers.authorization
  if (value === undefined) return undefined
  if (typeof value !== 'string') throw new InvalidRequestError('multiple authorization headers')
  if (request.rawHeaders !== undefined && countAuthorization(request.rawHeaders) > 1) {
    throw new InvalidRequestError('multiple authorization headers')
  }
  const match = BEARER_HEADER.exec(value)
  if (match) return match[1]
  if (BEARER_SCHEME.test(value)) {
    throw new InvalidRequestError(value.slice(6).trim() === '' ? 'missing bearer token' : 'malformed authorization header')
  }
  // Another scheme is "no bearer credentials" unless a Bearer credential hides in a comma-joined list.
  if (BEARER_ANYWHERE.test(value)) throw new InvalidRequestError('multiple credentials')
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
