/**
 * The `htu` comparison (RFC 9449 §4.3 step 9): the request's target URI (RFC 9110 §7.1) without query and
 * fragment, both sides normalised per RFC 3986 §6.2.2 (case, percent-encoding, dot segments) and §6.2.3
 * (default port, empty path).
 *
 * Where the origin comes from is the security decision: an explicit `origin` setting first; else, only when
 * the user opted in with `trustProxy`, the proxy's `Forwarded` / `X-Forwarded-*` headers; else the
 * connection (TLS or not) and the `Host` header, which is what RFC 9110 §7.1 reconstructs the target from.
 */
import type { BearerRequest } from '../types.js'

/** Longest `htu` (and reconstructed target) compared, in characters. */
export const MAX_HTU_LENGTH = 4096

const PERCENT = /%([0-9A-Fa-f]{2})/g
const UNRESERVED = /[A-Za-z0-9\-._~]/

/** RFC 3986 §6.2.2.1-2: upper-case hex in escapes, and unreserved characters decoded. */
function normalisePercent(path: string): string {
  if (!path.includes('%')) return path
  return path.replace(PERCENT, (_, hex: string) => {
    const char = String.fromCharCode(Number.parseInt(hex, 16))
    return UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`
  })
}

/**
 * Normalised `scheme://host[:port]/path` of an http(s) URL without query and fragment, or `undefined` when
 * it is not one. The WHATWG parser lower-cases scheme and host, drops default ports, resolves dot segments
 * and turns an empty path into `/`; the percent-encoding rules are applied here.
 */
export function normaliseHttpUri(value: string): string | undefined {
  if (value.length > MAX_HTU_LENGTH) return undefined
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return undefined
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username !== '' || url.password !== '') return undefined
  return `${url.protocol}//${url.host}${normalisePercent(url.pathname)}`
}

/** Settings that decide the external origin of a request, resolved once. */
export interface TargetUriSettings {
  /** Normalised external origins (with any path prefix), e.g. `https://api.example.com`. */
  readonly origins: readonly string[] | undefined
  readonly trustProxy: boolean
}

function first(value: string | readonly string[] | undefined): string | undefined {
  const text = typeof value === 'string' ? value : value?.[0]
  return text?.split(',', 1)[0]?.trim() || undefined
}

function absolutePath(target: string): string {
  try {
    return new URL(target).pathname
  } catch {
    return '/'
  }
}

/** `proto` and `host` of the first element of an RFC 7239 `Forwarded` header (the client-facing hop). */
function parseForwarded(value: string | undefined): { proto?: string; host?: string } {
  const out: { proto?: string; host?: string } = {}
  if (value === undefined) return out
  for (const pair of value.split(';')) {
    const eq = pair.indexOf('=')
    if (eq === -1) continue
    const name = pair.slice(0, eq).trim().toLowerCase()
    const raw = pair.slice(eq + 1).trim()
    const unquoted = raw.startsWith('"') && raw.endsWith('"') && raw.length >= 2 ? raw.slice(1, -1) : raw
    if (name === 'proto') out.proto = unquoted
    else if (name === 'host') out.host = unquoted
  }
  return out
}

/**
 * The candidate target URIs of `request` (already normalised), one per configured origin, or one from the
 * connection. `undefined` when no target can be built (no Host header, a malformed URL).
 */
export function requestTargetUris(request: BearerRequest, settings: TargetUriSettings): string[] | undefined {
  const url = typeof request.url === 'string' ? request.url : ''
  const cut = url.search(/[?#]/)
  const path = cut === -1 ? url : url.slice(0, cut)
  // An absolute-form request target (RFC 9112 §3.2.2) carries its own origin: only its path is used, the
  // origin still comes from the settings or the Host header (which RFC 9112 §3.2.2 makes the client send equal).
  const pathOnly = path.startsWith('/') ? path : absolutePath(path)
  if (settings.origins !== undefined) {
    const out: string[] = []
    for (const origin of settings.origins) {
      const joined = normaliseHttpUri(`${origin}${pathOnly}`)
      if (joined !== undefined) out.push(joined)
    }
    return out.length > 0 ? out : undefined
  }
  let proto = request.secure === true ? 'https' : 'http'
  let host = first(request.headers.host)
  if (settings.trustProxy) {
    const forwarded = parseForwarded(first(request.headers.forwarded))
    const forwardedProto = forwarded.proto ?? first(request.headers['x-forwarded-proto'])
    const forwardedHost = forwarded.host ?? first(request.headers['x-forwarded-host'])
    if (forwardedProto !== undefined) proto = forwardedProto.toLowerCase()
    if (forwardedHost !== undefined) host = forwardedHost
  }
  if (host === undefined || (proto !== 'http' && proto !== 'https') || /[/?#@\\\s]/.test(host)) return undefined
  const target = normaliseHttpUri(`${proto}://${host}${pathOnly}`)
  return target === undefined ? undefined : [target]
}
