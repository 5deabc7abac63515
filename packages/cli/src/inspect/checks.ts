/**
 * The per-check breakdown: each rule the guard applies, evaluated on its own so a person sees every
 * problem at once, with what was expected and what the token holds. The verdict itself is the guard's
 * (see run.ts); this explains it. Rules mirror packages/core/src/jwt (header.ts, claims.ts) and scopes.ts.
 */
import { compactVerify, importJWK, type JWK } from 'jose'
import { printable } from '../lib/printable.js'
import { duration, relative, utc } from '../lib/time.js'
import type { JsonObject } from './decode.js'

/** A check's outcome: `warn` for something odd that is not a refusal (an unrecognised `cnf`); `skip` when it could not run (no key, no `--issuer`, no scope required). */
export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip'

/** One rule of the per-check breakdown, with what was expected and what the token holds. */
export interface Check {
  readonly name: string
  readonly status: CheckStatus
  /** One line: why it passed or failed. */
  readonly message: string
  readonly expected?: string
  readonly actual?: string
}

/** What the guard is configured to accept, as `inspect` resolved it. */
export interface Expectations {
  readonly issuers: readonly string[] | undefined
  readonly audiences: readonly string[] | undefined
  readonly algorithms: readonly string[]
  readonly clockToleranceSeconds: number
  readonly maxTokenAgeSeconds: number | undefined
  readonly requiredClaims: readonly string[]
  readonly strict: boolean
  readonly maxTokenLength: number
  readonly scopeClaims: readonly string[]
  readonly scopes: readonly string[]
  readonly scopeMode: 'all' | 'any'
}

export interface CheckInput {
  readonly token: string
  readonly header: JsonObject | undefined
  readonly claims: JsonObject | undefined
  readonly formatProblem: string | undefined
  /** The JWKS the guard fetched, or why there is none. */
  readonly jwks: { readonly keys: readonly unknown[] } | { readonly error: string }
  readonly nowSeconds: number
  readonly expect: Expectations
}

const ACCESS_TOKEN_TYPES = ['at+jwt', 'application/at+jwt']
const COMPAT_TYPES = ['jwt', 'application/jwt', ...ACCESS_TOKEN_TYPES]
const STRICT_CLAIMS = ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti']

const show = (value: unknown): string => (value === undefined ? '(absent)' : printable(value))
const list = (values: readonly string[]): string => values.map((v) => printable(v)).join(', ')

export async function runChecks(input: CheckInput): Promise<Check[]> {
  const { header, claims, expect } = input
  const checks: Check[] = [checkFormat(input)]
  if (header === undefined || claims === undefined) return checks
  checks.push(checkAlgorithm(header, expect), checkType(header, expect))
  const keyCheck = selectKeys(header, input.jwks)
  checks.push(keyCheck.check)
  checks.push(await checkSignature(input.token, header, keyCheck.candidates))
  checks.push(checkIssuer(claims, expect), checkAudience(claims, expect), ...checkTimes(claims, input.nowSeconds, expect))
  checks.push(checkRequired(claims, expect), checkSenderConstraint(claims), checkScopes(claims, expect))
  return checks
}

function checkFormat({ token, formatProblem, expect }: CheckInput): Check {
  if (token.length > expect.maxTokenLength) {
    return {
      name: 'format',
      status: 'fail',
      message: 'token too large',
      expected: `at most ${expect.maxTokenLength} characters`,
      actual: `${token.length}`,
    }
  }
  if (formatProblem !== undefined)
    return { name: 'format', status: 'fail', message: formatProblem, expected: 'a compact JWS: header.payload.signature' }
  return { name: 'format', status: 'pass', message: `compact JWS, ${token.length} characters` }
}

function checkAlgorithm(header: JsonObject, expect: Expectations): Check {
  const { alg } = header
  const allowed = typeof alg === 'string' && expect.algorithms.includes(alg)
  return {
    name: 'algorithm',
    status: allowed ? 'pass' : 'fail',
    message: allowed ? `${printable(alg)} is allowed` : 'algorithm not allowed',
    expected: `one of ${expect.algorithms.join(', ')}`,
    actual: show(alg),
  }
}

function checkType(header: JsonObject, expect: Expectations): Check {
  const name = 'header'
  if (header.crit !== undefined)
    return { name, status: 'fail', message: 'unsupported critical header', expected: 'no "crit"', actual: show(header.crit) }
  if (header.b64 !== undefined && header.b64 !== true)
    return { name, status: 'fail', message: 'unencoded payload not allowed', actual: `b64 ${show(header.b64)}` }
  const { typ } = header
  const type = typeof typ === 'string' ? typ.toLowerCase() : undefined
  const ok = expect.strict
    ? type !== undefined && ACCESS_TOKEN_TYPES.includes(type)
    : typ === undefined || (type !== undefined && COMPAT_TYPES.includes(type))
  return {
    name,
    status: ok ? 'pass' : 'fail',
    message: ok ? `typ ${show(typ)} is accepted` : 'token type not allowed',
    expected: expect.strict ? 'typ at+jwt (strict)' : 'typ absent, JWT or at+jwt',
    actual: `typ ${show(typ)}`,
  }
}

interface KeySelection {
  readonly check: Check
  readonly candidates: readonly JWK[]
}

function selectKeys(header: JsonObject, jwks: CheckInput['jwks']): KeySelection {
  if ('error' in jwks) return { check: { name: 'key', status: 'fail', message: `keys unavailable: ${jwks.error}` }, candidates: [] }
  const keys = jwks.keys.filter((k): k is JWK => typeof k === 'object' && k !== null)
  const kids = keys.map((k) => k.kid).filter((kid): kid is string => typeof kid === 'string')
  const { kid } = header
  const candidates = kid === undefined ? keys : keys.filter((k) => k.kid === kid)
  if (candidates.length === 0) {
    return {
      check: {
        name: 'key',
        status: 'fail',
        message: 'unknown signing key',
        expected: `kid one of ${kids.length > 0 ? list(kids) : '(none published)'}`,
        actual: `kid ${show(kid)}`,
      },
      candidates,
    }
  }
  const message = kid === undefined ? `no kid: ${candidates.length} published key(s) tried` : `kid ${printable(kid)} is published`
  return { check: { name: 'key', status: 'pass', message }, candidates }
}

async function checkSignature(token: string, header: JsonObject, candidates: readonly JWK[]): Promise<Check> {
  const name = 'signature'
  if (candidates.length === 0) return { name, status: 'skip', message: 'no key to check it with' }
  const alg = header.alg
  if (typeof alg !== 'string' || alg === 'none') return { name, status: 'skip', message: 'no usable algorithm' }
  for (const jwk of candidates) {
    try {
      const key = await importJWK({ ...jwk, alg }, alg)
      await compactVerify(token, key, { algorithms: [alg] })
      return { name, status: 'pass', message: `verified with ${jwk.kid === undefined ? 'a published key' : `kid ${printable(jwk.kid)}`}` }
    } catch {
      // Try the next candidate; a key of the wrong type is just not this token's key.
    }
  }
  return { name, status: 'fail', message: 'invalid signature', expected: 'a signature by a published key', actual: 'does not verify' }
}

function checkIssuer(claims: JsonObject, expect: Expectations): Check {
  const { iss } = claims
  if (expect.issuers === undefined) return { name: 'issuer', status: 'skip', message: 'not checked: pass --issuer', actual: show(iss) }
  const ok = typeof iss === 'string' && expect.issuers.includes(iss)
  const hint =
    !ok && typeof iss === 'string' && expect.issuers.some((i) => i.replace(/\/+$/, '') === iss.replace(/\/+$/, ''))
      ? ' (a trailing slash differs)'
      : ''
  return {
    name: 'issuer',
    status: ok ? 'pass' : 'fail',
    message: ok ? 'issuer accepted' : `unexpected issuer${hint}`,
    expected: list(expect.issuers),
    actual: show(iss),
  }
}

function checkAudience(claims: JsonObject, expect: Expectations): Check {
  const { aud } = claims
  if (expect.audiences === undefined)
    return { name: 'audience', status: 'skip', message: 'not checked: pass --audience', actual: show(aud) }
  const values = typeof aud === 'string' ? [aud] : Array.isArray(aud) && aud.every((a) => typeof a === 'string') ? (aud as string[]) : []
  const ok = values.some((a) => expect.audiences?.includes(a))
  return {
    name: 'audience',
    status: ok ? 'pass' : 'fail',
    message: ok ? 'audience accepted' : 'unexpected audience',
    expected: `one of ${list(expect.audiences)}`,
    actual: show(aud),
  }
}

function checkTimes(claims: JsonObject, now: number, expect: Expectations): Check[] {
  const tolerance = expect.clockToleranceSeconds
  const checks: Check[] = []
  const { exp, nbf, iat } = claims
  const when = (t: number) => `${utc(t)} (${relative(t, now)})`
  const isDate = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)
  const toleranceNote = `now ${utc(now)}, tolerance ${tolerance} s`
  if (exp === undefined) checks.push({ name: 'expiry', status: 'fail', message: 'missing required claim: exp', expected: 'an exp claim' })
  else if (!isDate(exp)) checks.push({ name: 'expiry', status: 'fail', message: 'invalid exp claim', actual: show(exp) })
  else if (now - tolerance >= exp)
    checks.push({
      name: 'expiry',
      status: 'fail',
      message: `token expired ${duration(now - exp)} ago`,
      expected: `exp after ${toleranceNote}`,
      actual: `exp ${utc(exp)}`,
    })
  else checks.push({ name: 'expiry', status: 'pass', message: `expires ${when(exp)}` })
  if (nbf !== undefined) {
    if (!isDate(nbf)) checks.push({ name: 'not before', status: 'fail', message: 'invalid nbf claim', actual: show(nbf) })
    else if (now + tolerance < nbf)
      checks.push({
        name: 'not before',
        status: 'fail',
        message: `token not yet valid: valid ${relative(nbf, now)}`,
        expected: `nbf before ${toleranceNote}`,
        actual: `nbf ${utc(nbf)}`,
      })
    else checks.push({ name: 'not before', status: 'pass', message: `valid since ${when(nbf)}` })
  }
  if (iat !== undefined) {
    const maxAge = expect.maxTokenAgeSeconds
    if (!isDate(iat)) checks.push({ name: 'issued at', status: 'fail', message: 'invalid iat claim', actual: show(iat) })
    else if (iat - tolerance > now) {
      checks.push({
        name: 'issued at',
        status: 'fail',
        message: `token issued in the future (${relative(iat, now)})`,
        expected: `iat before ${toleranceNote}`,
        actual: `iat ${utc(iat)}`,
      })
    } else if (maxAge !== undefined && now - iat - tolerance > maxAge) {
      checks.push({
        name: 'issued at',
        status: 'fail',
        message: 'token too old',
        expected: `issued within ${duration(maxAge)}`,
        actual: `issued ${relative(iat, now)}`,
      })
    } else checks.push({ name: 'issued at', status: 'pass', message: `issued ${when(iat)}` })
  } else if (expect.maxTokenAgeSeconds !== undefined) {
    checks.push({ name: 'issued at', status: 'fail', message: 'missing required claim: iat', expected: 'an iat claim (--max-token-age)' })
  }
  return checks
}

function checkRequired(claims: JsonObject, expect: Expectations): Check {
  const required = [...new Set([...expect.requiredClaims, ...(expect.strict ? STRICT_CLAIMS : [])])].filter((c) => c !== 'exp')
  if (required.length === 0) return { name: 'required claims', status: 'pass', message: 'none beyond exp, iss, aud' }
  const missing = required.filter((c) => claims[c] === undefined)
  return missing.length === 0
    ? { name: 'required claims', status: 'pass', message: `present: ${list(required)}` }
    : {
        name: 'required claims',
        status: 'fail',
        message: `missing required claim: ${list(missing)}`,
        expected: list(required),
        actual: `missing ${list(missing)}`,
      }
}

function checkSenderConstraint(claims: JsonObject): Check {
  const { cnf } = claims
  if (cnf === undefined) return { name: 'bearer use', status: 'pass', message: 'no cnf: a plain bearer token' }
  const bound = typeof cnf === 'object' && cnf !== null && ('jkt' in cnf || 'x5t#S256' in cnf)
  return bound
    ? {
        name: 'bearer use',
        status: 'fail',
        message: 'sender-constrained token sent as bearer',
        expected: 'no cnf.jkt / cnf.x5t#S256',
        actual: `cnf ${show(cnf)}`,
      }
    : { name: 'bearer use', status: 'warn', message: `cnf present: ${show(cnf)}` }
}

function grantedScopes(claims: JsonObject, sources: readonly string[]): string[] {
  const out = new Set<string>()
  for (const source of sources) {
    let value: unknown = Object.hasOwn(claims, source) ? claims[source] : undefined
    if (value === undefined && source.includes('.')) {
      value = source
        .split('.')
        .reduce<unknown>((node, key) => (typeof node === 'object' && node !== null ? (node as JsonObject)[key] : undefined), claims)
    }
    const scopes =
      typeof value === 'string' ? value.split(' ') : Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []
    for (const scope of scopes) if (scope !== '') out.add(scope)
  }
  return [...out]
}

function checkScopes(claims: JsonObject, expect: Expectations): Check {
  if (expect.scopes.length === 0) return { name: 'scope', status: 'skip', message: 'no scope required (pass --scope)' }
  const granted = grantedScopes(claims, expect.scopeClaims)
  const missing = expect.scopes.filter((s) => !granted.includes(s))
  const ok = expect.scopeMode === 'all' ? missing.length === 0 : missing.length < expect.scopes.length
  return {
    name: 'scope',
    status: ok ? 'pass' : 'fail',
    message: ok ? 'required scopes granted' : `insufficient scope: missing ${list(missing)}`,
    expected: `${expect.scopeMode} of ${list(expect.scopes)}`,
    actual: granted.length === 0 ? '(no scopes)' : list(granted),
  }
}
