/**
 * A bounded GET for JSON documents from the authorization server (JWKS, discovery metadata).
 * The timeout covers connecting, headers and body; the size limit is enforced while reading, so an
 * oversized or endless body is cut off without being buffered. Redirects are refused unless allowed, and
 * when allowed each hop is followed by hand so its target passes the same URL policy as configured URLs
 * (no https-to-plain-http downgrade, no scheme change).
 */
export interface FetchLimits {
  readonly timeoutMs: number
  readonly maxBytes: number
  readonly followRedirects: boolean
  readonly headers: Readonly<Record<string, string>>
  readonly fetch: typeof globalThis.fetch
  /** Throws when a redirect target may not be fetched (see `assertFetchableUrl`). */
  readonly checkUrl: (url: string, what: string) => void
}

const MAX_REDIRECTS = 5

/** A form POST instead of a GET (token introspection). Never redirected: a redirect would resend credentials. */
export interface JsonPost {
  readonly body: string
  readonly headers: Readonly<Record<string, string>>
}

export interface FetchedJson {
  readonly body: unknown
  readonly maxAgeSeconds: number | undefined
}

/**
 * A failure that is the configuration's, not the network's: retrying will not heal it. Carried by an
 * {@link UpstreamError} so the 503's cause can say so.
 */
export type ConfigurationFault =
  | { readonly reason: 'discovery_issuer_mismatch'; readonly expected: string; readonly actual: unknown }
  | { readonly reason: 'discovery_jwks_uri_refused'; readonly issuer: string; readonly jwksUri: unknown }

/** Failure talking to the authorization server: becomes a 503 upstream, never a 401. */
export class UpstreamError extends Error {
  override readonly name = 'UpstreamError'
  /** HTTP status when the server answered; callers may treat 404 as "try the next location". */
  readonly httpStatus: number | undefined
  /** The URL whose fetch failed (the last redirect hop when redirects are followed). */
  url: string | undefined
  /** Set when the failure is a misconfiguration rather than an outage. */
  readonly configuration: ConfigurationFault | undefined
  constructor(message: string, options: { cause?: unknown; httpStatus?: number; url?: string; configuration?: ConfigurationFault } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.httpStatus = options.httpStatus
    this.url = options.url
    this.configuration = options.configuration
  }
}

/** The origin of `url`, or undefined when it has none (not a URL, or an opaque one). */
function originOf(url: string): string | undefined {
  try {
    const { origin } = new URL(url)
    return origin === 'null' ? undefined : origin
  } catch {
    return undefined
  }
}

/**
 * Fetches `url`. `fetchHeaders` go only to `url`'s origin, or to `headersOrigin` when given (discovery
 * passes the issuer's): a redirect to another origin, or a discovered `jwks_uri` on another origin, gets
 * none of them, so an API key or `Authorization` header never leaks to a host it was not configured for.
 */
export async function fetchJson(url: string, limits: FetchLimits, headersOrigin?: string, post?: JsonPost): Promise<FetchedJson> {
  let current = url
  try {
    return await fetchFrom(url, limits, headersOrigin ?? originOf(url), post, (hop) => {
      current = hop
    })
  } catch (error) {
    if (error instanceof UpstreamError && error.url === undefined) error.url = current
    throw error
  }
}

async function fetchFrom(
  url: string,
  limits: FetchLimits,
  trusted: string | undefined,
  post: JsonPost | undefined,
  onHop: (url: string) => void,
): Promise<FetchedJson> {
  const signal = AbortSignal.timeout(limits.timeoutMs)
  const headersFor = (target: string) => (trusted !== undefined && originOf(target) === trusted ? limits.headers : undefined)
  let response = await request(url, limits, signal, headersFor(url), post)
  // A POST (introspection) never follows redirects: its credentials would go where the redirect says.
  for (let hops = 0; limits.followRedirects && post === undefined && isRedirect(response.status); hops += 1) {
    await response.body?.cancel().catch(() => {})
    const location = response.headers.get('location')
    if (location === null || hops === MAX_REDIRECTS) throw new UpstreamError('unusable redirect', { httpStatus: response.status })
    const target = new URL(location, response.url || url).href
    try {
      limits.checkUrl(target, 'redirect target')
    } catch (cause) {
      throw new UpstreamError('redirect target refused', { cause, url: target })
    }
    onHop(target)
    response = await request(target, limits, signal, headersFor(target))
  }
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => {})
    throw new UpstreamError(`unexpected HTTP status ${response.status}`, { httpStatus: response.status })
  }
  const declared = Number(response.headers.get('content-length'))
  if (Number.isFinite(declared) && declared > limits.maxBytes) {
    await response.body?.cancel().catch(() => {})
    throw new UpstreamError(`response larger than ${limits.maxBytes} bytes`)
  }
  const text = await readLimited(response, limits.maxBytes, signal, limits.timeoutMs)
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch (cause) {
    throw new UpstreamError('response is not JSON', { cause })
  }
  return { body, maxAgeSeconds: parseMaxAge(response.headers.get('cache-control')) }
}

async function request(
  url: string,
  limits: FetchLimits,
  signal: AbortSignal,
  extraHeaders: Readonly<Record<string, string>> | undefined,
  post?: JsonPost,
): Promise<Response> {
  try {
    return await limits.fetch(url, {
      method: post === undefined ? 'GET' : 'POST',
      headers: { accept: 'application/json', ...extraHeaders, ...post?.headers },
      redirect: 'manual',
      signal,
      ...(post === undefined ? {} : { body: post.body }),
    })
  } catch (cause) {
    throw new UpstreamError(signal.aborted ? `timed out after ${limits.timeoutMs} ms` : 'request failed', { cause })
  }
}

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308
}

async function readLimited(response: Response, maxBytes: number, signal: AbortSignal, timeoutMs: number): Promise<string> {
  const reader = response.body?.getReader()
  if (!reader) return ''
  const chunks: Uint8Array[] = []
  let total = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      total += value.byteLength
      if (total > maxBytes) throw new UpstreamError(`response larger than ${maxBytes} bytes`)
      chunks.push(value)
    }
  } catch (cause) {
    await reader.cancel().catch(() => {})
    if (cause instanceof UpstreamError) throw cause
    throw new UpstreamError(signal.aborted ? `timed out after ${timeoutMs} ms` : 'reading response failed', { cause })
  }
  return Buffer.concat(chunks, total).toString('utf8')
}

/** `max-age` of a `Cache-Control` header, unless `no-store`/`no-cache` forbid reuse. */
function parseMaxAge(header: string | null): number | undefined {
  if (header === null) return undefined
  const directives = header.toLowerCase()
  if (/(?:^|,)\s*(?:no-store|no-cache)\s*(?:,|$)/.test(directives)) return 0
  const match = /(?:^|,)\s*max-age\s*=\s*"?(\d{1,10})"?\s*(?:,|$)/.exec(directives)
  return match ? Number(match[1]) : undefined
}
