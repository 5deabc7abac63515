/**
 * Reads a token's header and claims for display, without trusting anything in it. Never throws: a token
 * that does not decode is described (which part, why) so the "format" check can say so.
 */
/**
 * A decoded JSON object: a token's header or claims, shown as is and never trusted.
 *
 * @inline
 */
export type JsonObject = Record<string, unknown>

export interface DecodedToken {
  readonly segments: number
  readonly header: JsonObject | undefined
  readonly claims: JsonObject | undefined
  /** Why the token could not be decoded; undefined when header and claims are JSON objects. */
  readonly problem: string | undefined
}

const BASE64URL = /^[A-Za-z0-9_-]*$/

export function decodeToken(token: string): DecodedToken {
  const parts = token.split('.')
  if (parts.length !== 3) {
    return {
      segments: parts.length,
      header: undefined,
      claims: undefined,
      problem: `expected 3 dot-separated segments, found ${parts.length}`,
    }
  }
  const header = decodeSegment(parts[0] as string, 'header')
  const claims = decodeSegment(parts[1] as string, 'payload')
  const problem = typeof header === 'string' ? header : typeof claims === 'string' ? claims : undefined
  if (problem === undefined && !BASE64URL.test(parts[2] as string)) {
    return { segments: 3, header: header as JsonObject, claims: claims as JsonObject, problem: 'signature is not base64url' }
  }
  return {
    segments: 3,
    header: typeof header === 'string' ? undefined : header,
    claims: typeof claims === 'string' ? undefined : claims,
    problem,
  }
}

/** The segment's JSON object, or a sentence saying why there is none. */
function decodeSegment(segment: string, name: string): JsonObject | string {
  if (segment === '') return `${name} is empty`
  if (!BASE64URL.test(segment)) return `${name} is not base64url`
  let value: unknown
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'))
  } catch {
    return `${name} is not JSON`
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `${name} is not a JSON object`
  return value as JsonObject
}
