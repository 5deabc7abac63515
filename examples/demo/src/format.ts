/** Turning tokens and HTTP exchanges into lines a person reads. Decoding only: nothing here verifies. */
import { decodeJwt, decodeProtectedHeader } from 'jose'

/** `eyJhbGciOi…x3Qg (812 characters)`: enough to recognise a token, not enough to use it. */
export function shortenToken(token: string): string {
  return token.length <= 32 ? token : `${token.slice(0, 20)}…${token.slice(-8)} (${token.length} characters)`
}

/** Keeps the first characters of a secret so the reader sees which one was sent. */
export function maskSecret(secret: string): string {
  return `${secret.slice(0, 6)}… (hidden)`
}

const TIME_CLAIMS = new Set(['iat', 'exp', 'nbf'])

/** The token's header and claims, one per line; times also as dates. */
export function describeToken(token: string): string[] {
  const header = decodeProtectedHeader(token)
  const claims = decodeJwt(token)
  const lines = [
    `header: ${Object.entries(header)
      .map(([name, value]) => `${name}=${String(value)}`)
      .join(', ')}`,
    'claims:',
  ]
  for (const [name, value] of Object.entries(claims)) {
    const shown = typeof value === 'string' ? value : JSON.stringify(value)
    lines.push(
      `  ${name.padEnd(9)} ${shown}${TIME_CLAIMS.has(name) && typeof value === 'number' ? `  (${new Date(value * 1000).toISOString()})` : ''}`,
    )
  }
  return lines
}

/**
 * The same token with a changed payload and the original signature: what an attacker who wants more
 * scope would send. Only the payload segment is re-encoded, with Node's base64url codec.
 */
export function tamperWithScope(token: string, scope: string): string {
  const [header, , signature] = token.split('.')
  const payload = Buffer.from(JSON.stringify({ ...decodeJwt(token), scope })).toString('base64url')
  return `${header}.${payload}.${signature}`
}

/** Response body as one line, cut to keep the story readable. */
export function oneLine(body: string, max = 100): string {
  const flat = body.replace(/\s+/g, ' ').trim()
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`
}
