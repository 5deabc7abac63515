/**
 * Structural parsing of a compact JWS (RFC 7515 §7.1) before any key is looked up. Every byte is hostile:
 * the size is bounded before any work, segments must be strict base64url (Node's decoder would silently
 * skip stray characters), header and payload must be JSON objects.
 */
import { isUtf8 } from 'node:buffer'
import { InvalidTokenError } from '../errors.js'
import { rejection } from '../rejection.js'
import type { JsonValue } from '../types.js'

export interface ParsedJws {
  readonly header: Record<string, JsonValue>
  readonly payload: Record<string, JsonValue>
  /** ASCII bytes of `header.payload`, what the signature covers. */
  readonly signingInput: Buffer
  readonly signature: Buffer
}

const BASE64URL = /^[A-Za-z0-9_-]+$/

/** A length of 4n + 1 encodes no whole byte (RFC 4648 §4); Node's decoder would silently drop the extra character. */
const isBase64url = (part: string): boolean => part.length % 4 !== 1 && BASE64URL.test(part) && isCanonicalEnd(part)

/**
 * The last character of an unpadded segment of length 4n + 2 or 4n + 3 carries 4 or 2 bits that encode
 * nothing; they must be zero (RFC 4648 §3.5). Node's decoder ignores them, so without this check one
 * signature has several accepted spellings, and one token several strings: a deny-list, replay log or
 * rate limit keyed on the token string could be sidestepped.
 */
function isCanonicalEnd(part: string): boolean {
  const rest = part.length % 4
  if (rest === 0) return true
  const code = part.charCodeAt(part.length - 1)
  const value = code >= 97 ? code - 71 : code >= 65 ? code - 65 : code >= 48 ? code + 4 : code === 45 ? 62 : 63 // a-z, A-Z, 0-9, '-', '_'
  return (value & (rest === 2 ? 0x0f : 0x03)) === 0
}

/**
 * Segments are decoded into one reused buffer, then read as a string: no Buffer per segment on the hot
 * path. Safe because decoding is synchronous and the string is made before anything else can run.
 */
let scratch = Buffer.allocUnsafeSlow(1024)

/**
 * An issuer sends the same few headers on every token, so each distinct header segment is decoded once.
 * Only flat headers (no nested objects or arrays) are kept, frozen, so one request cannot change what
 * another sees. Cleared when full: a flood of junk headers costs only re-decoding, never memory.
 */
const HEADER_CACHE_LIMIT = 64
const headerCache = new Map<string, Record<string, JsonValue>>()

export function parseCompactJws(token: string, maxLength: number): ParsedJws {
  if (token.length > maxLength) {
    throw new InvalidTokenError('token too large', { cause: rejection('token_too_large', { length: token.length, limit: maxLength }) })
  }
  const first = token.indexOf('.')
  const second = first === -1 ? -1 : token.indexOf('.', first + 1)
  if (second === -1) throw malformed('not three dot-separated segments')
  if (token.indexOf('.', second + 1) !== -1) {
    // Five segments is a JWE (RFC 7516 §7.1); we accept signed tokens only.
    if (token.split('.').length === 5) {
      throw new InvalidTokenError('encrypted tokens are not supported', { cause: rejection('encrypted_token', {}) })
    }
    throw malformed('more than three segments')
  }
  const headerPart = token.slice(0, first)
  const payloadPart = token.slice(first + 1, second)
  const signaturePart = token.slice(second + 1)
  const cachedHeader = headerCache.get(headerPart)
  // A cached header segment passed these checks when it was first decoded.
  if ((cachedHeader === undefined && !isBase64url(headerPart)) || !isBase64url(payloadPart) || !BASE64URL.test(signaturePart)) {
    if (signaturePart === '') throw new InvalidTokenError('missing signature', { cause: rejection('missing_signature', {}) })
    throw malformed('a segment is not canonical base64url')
  }
  // Decoded leniently, a signature with a dangling character or non-zero spare bits would still verify.
  if (signaturePart.length % 4 === 1 || !isCanonicalEnd(signaturePart)) {
    throw new InvalidTokenError('invalid signature', { cause: rejection('signature_encoding', {}) })
  }
  return {
    header: cachedHeader ?? decodeHeader(headerPart),
    payload: decodeObject(payloadPart, 'payload'),
    signingInput: Buffer.from(token.slice(0, second), 'latin1'),
    signature: Buffer.from(signaturePart, 'base64url'),
  }
}

function malformed(detail: string): InvalidTokenError {
  return new InvalidTokenError('malformed token', { cause: rejection('malformed_token', { detail }) })
}

function decodeHeader(segment: string): Record<string, JsonValue> {
  const header = decodeObject(segment, 'header')
  if (Object.values(header).every((value) => value === null || typeof value !== 'object')) {
    if (headerCache.size >= HEADER_CACHE_LIMIT) headerCache.clear()
    headerCache.set(segment, Object.freeze(header))
  }
  return header
}

function decodeJson(segment: string): unknown {
  if (scratch.length < segment.length) scratch = Buffer.allocUnsafeSlow(segment.length)
  const length = scratch.write(segment, 'base64url')
  const text = scratch.toString('utf8', 0, length)
  // Invalid UTF-8 is refused (RFC 8259 §8.1), not replaced by U+FFFD. The decoder turns every invalid
  // sequence into U+FFFD, so only a text holding one needs the strict check (a genuine U+FFFD is valid).
  // A BOM is kept, so JSON.parse refuses it too.
  if (text.includes('\uFFFD') && !isUtf8(scratch.subarray(0, length))) throw new TypeError('invalid UTF-8')
  return JSON.parse(text)
}

function decodeObject(segment: string, what: string): Record<string, JsonValue> {
  let value: unknown
  try {
    value = decodeJson(segment)
  } catch {
    throw malformed(`${what} is not JSON`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformed(`${what} is not a JSON object`)
  return value as Record<string, JsonValue>
}
