/**
 * The shared table: every case runs against every adapter (adapters.test.ts), so the three packages
 * cannot drift apart. A case names a route of {@link ROUTES}, what the client sends, and the exact answer.
 */
import type { TestIssuer } from '@bearer-guard/testing'
import type { AuthView } from './routes.js'

export interface CaseKit {
  /** The issuer whose JWKS the app uses. */
  readonly issuer: TestIssuer
  /** Another issuer on loopback: its tokens are well-formed but signed with keys the app does not trust. */
  readonly stranger: TestIssuer
}

export type ErrorCode = 'invalid_request' | 'invalid_token' | 'insufficient_scope'

export interface Expected {
  readonly status: number
  /** The challenge's parameters after `realm`; `'bare'` for no parameters; absent: no `WWW-Authenticate` at all. */
  readonly challenge?: 'bare' | { readonly error: ErrorCode; readonly description: string; readonly scope?: string }
  /** Success body. */
  readonly body?: AuthView
  /** A 503: `Retry-After` in whole seconds, at least 1. */
  readonly retryAfter?: true
}

export interface AdapterCase {
  readonly name: string
  readonly path: string
  /** `Authorization` header value(s) to send; an array sends the header several times. */
  readonly authorization?: (kit: CaseKit) => Promise<string | string[]> | string | string[]
  /** Runs on a fresh app (cold JWKS cache) against an issuer whose JWKS endpoint resets connections. */
  readonly jwksDown?: true
  readonly expect: Expected
}

const bearer = (token: string): string => `Bearer ${token}`
const signed =
  (scope?: string, claims: Record<string, unknown> = {}) =>
  async ({ issuer }: CaseKit): Promise<string> =>
    bearer(await issuer.sign(claims, scope === undefined ? {} : { scope }))

/** Flips one character in the middle of the signature: still base64url, no longer the issuer's signature. */
async function tampered({ issuer }: CaseKit): Promise<string> {
  const token = await issuer.sign({}, { scope: 'read:data' })
  const at = token.lastIndexOf('.') + 20
  return bearer(token.slice(0, at) + (token[at] === 'A' ? 'B' : 'A') + token.slice(at + 1))
}

/** `alg: none`, no signature: must never be accepted (RFC 8725 §3.1). */
async function unsigned({ issuer }: CaseKit): Promise<string> {
  const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')
  const now = Math.floor(Date.now() / 1000)
  const claims = { iss: issuer.issuer, aud: issuer.audience, sub: 'mallory', exp: now + 600, scope: 'read:data write:data admin' }
  return bearer(`${encode({ alg: 'none', typ: 'at+jwt' })}.${encode(claims)}.`)
}

const ok = (scopes: string[] | null, sub: string | null = 'test-client'): Expected => ({
  status: 200,
  body: { sub, clientId: sub, scopes },
})
const invalidToken = (description: string): Expected => ({ status: 401, challenge: { error: 'invalid_token', description } })
const invalidRequest = (description: string): Expected => ({ status: 400, challenge: { error: 'invalid_request', description } })
const insufficient = (scope: string): Expected => ({
  status: 403,
  challenge: { error: 'insufficient_scope', description: 'insufficient scope', scope },
})
const noToken: Expected = { status: 401, challenge: 'bare' }
const anonymous: Expected = { status: 200, body: { sub: null, clientId: null, scopes: null } }
const unavailable: Expected = { status: 503, retryAfter: true }

export const CASES: readonly AdapterCase[] = [
  // Missing and malformed credentials (RFC 6750 §3.1).
  { name: 'no token: 401 with a bare challenge', path: '/me', expect: noToken },
  { name: 'another scheme counts as no bearer token', path: '/me', authorization: () => 'Basic dXNlcjpwYXNz', expect: noToken },
  { name: 'query token ignored unless enabled', path: '/me?access_token=abc.def.ghi', expect: noToken },
  { name: '"Bearer" without a token: 400', path: '/me', authorization: () => 'Bearer', expect: invalidRequest('missing bearer token') },
  {
    name: 'two words after Bearer: 400',
    path: '/me',
    authorization: () => 'Bearer a b',
    expect: invalidRequest('malformed authorization header'),
  },
  {
    name: 'illegal characters in the token: 400',
    path: '/me',
    authorization: () => 'Bearer abc"def',
    expect: invalidRequest('malformed authorization header'),
  },
  {
    name: 'two Authorization headers: 400 (from rawHeaders)',
    path: '/me',
    authorization: async (kit) => [await signed('read:data')(kit), await signed('admin')(kit)],
    expect: invalidRequest('multiple authorization headers'),
  },
  // Bad tokens.
  { name: 'not a JWT: 401 invalid_token', path: '/me', authorization: () => 'Bearer abc', expect: invalidToken('malformed token') },
  { name: 'tampered signature: 401', path: '/me', authorization: tampered, expect: invalidToken('invalid signature') },
  { name: 'alg none: 401', path: '/me', authorization: unsigned, expect: invalidToken('missing signature') },
  {
    name: 'expired token: 401',
    path: '/me',
    authorization: async ({ issuer }) => bearer(await issuer.sign({}, { expiresIn: -120 })),
    expect: invalidToken('token expired'),
  },
  {
    name: 'wrong audience: 401',
    path: '/me',
    authorization: signed(undefined, { aud: 'https://other-api.example.test' }),
    expect: invalidToken('unexpected audience'),
  },
  {
    name: 'wrong issuer claim: 401',
    path: '/me',
    authorization: signed(undefined, { iss: 'https://evil.example.test' }),
    expect: invalidToken('unexpected issuer'),
  },
  {
    name: "another issuer's key: 401",
    path: '/me',
    authorization: async ({ issuer, stranger }) => bearer(await stranger.sign({ iss: issuer.issuer })),
    expect: invalidToken('unknown signing key'),
  },
  // Good tokens.
  { name: 'valid token: 200 with req.auth', path: '/me', authorization: signed(), expect: ok([]) },
  {
    name: 'scheme is case-insensitive',
    path: '/me',
    authorization: async (kit) => (await signed('read:data')(kit)).replace('Bearer', 'bEARER'),
    expect: ok(['read:data']),
  },
  // Scopes: all-of by default, any-of on request.
  { name: 'missing scope: 403 naming it', path: '/read', authorization: signed('profile'), expect: insufficient('read:data') },
  { name: 'no scope claim at all: 403', path: '/read', authorization: signed(), expect: insufficient('read:data') },
  { name: 'required scope present: 200', path: '/read', authorization: signed('profile read:data'), expect: ok(['profile', 'read:data']) },
  {
    name: 'all-of: one of two is not enough',
    path: '/all',
    authorization: signed('read:data'),
    expect: insufficient('read:data write:data'),
  },
  {
    name: 'all-of: both present, any order',
    path: '/all',
    authorization: signed('write:data read:data'),
    expect: ok(['write:data', 'read:data']),
  },
  { name: 'any-of: the first is enough', path: '/any', authorization: signed('read:data'), expect: ok(['read:data']) },
  { name: 'any-of: the second is enough', path: '/any', authorization: signed('admin'), expect: ok(['admin']) },
  { name: 'any-of: neither: 403 naming both', path: '/any', authorization: signed('write:data'), expect: insufficient('read:data admin') },
  { name: 'scoped route without a token: 401, not 403', path: '/read', expect: noToken },
  {
    name: 'scoped route with a bad token: 401, not 403',
    path: '/all',
    authorization: async ({ issuer }) => bearer(await issuer.sign({}, { expiresIn: -120, scope: 'profile' })),
    expect: invalidToken('token expired'),
  },
  // Optional authentication.
  { name: 'optional: no token passes with no auth', path: '/optional', expect: anonymous },
  { name: 'optional: another scheme passes with no auth', path: '/optional', authorization: () => 'Basic dXNlcjpwYXNz', expect: anonymous },
  { name: 'optional: a valid token sets auth', path: '/optional', authorization: signed('read:data'), expect: ok(['read:data']) },
  { name: 'optional: a bad token still fails', path: '/optional', authorization: tampered, expect: invalidToken('invalid signature') },
  {
    name: 'optional: a malformed header still fails',
    path: '/optional',
    authorization: () => 'Bearer',
    expect: invalidRequest('missing bearer token'),
  },
  // Public routes never look at credentials.
  { name: 'public: no token', path: '/public', expect: anonymous },
  { name: 'public: a bad token is not even read', path: '/public', authorization: () => 'Bearer', expect: anonymous },
  { name: 'public: a valid token is not read either', path: '/public', authorization: signed('read:data'), expect: anonymous },
  // Keys unobtainable: the server's problem, not the client's (503, never 401).
  { name: 'JWKS down on a cold cache: 503 with Retry-After', path: '/me', jwksDown: true, authorization: signed(), expect: unavailable },
  { name: 'JWKS down: scoped route also 503', path: '/read', jwksDown: true, authorization: signed('read:data'), expect: unavailable },
  { name: 'JWKS down: optional route with a token 503', path: '/optional', jwksDown: true, authorization: signed(), expect: unavailable },
  { name: 'JWKS down: optional route without a token still passes', path: '/optional', jwksDown: true, expect: anonymous },
  { name: 'JWKS down: no token is still a 401', path: '/me', jwksDown: true, expect: noToken },
]

/** The exact `WWW-Authenticate` value a case expects under `realm`. */
export function expectedChallenge(challenge: NonNullable<Expected['challenge']>, realm: string | undefined): string {
  const params: string[] = []
  if (realm !== undefined) params.push(`realm="${realm}"`)
  if (challenge !== 'bare') {
    params.push(`error="${challenge.error}"`, `error_description="${challenge.description}"`)
    if (challenge.scope !== undefined) params.push(`scope="${challenge.scope}"`)
  }
  return params.length === 0 ? 'Bearer' : `Bearer ${params.join(', ')}`
}
