/**
 * `inspect`: the verdict comes from the core's own guard (createGuard + verify + scopeCheck) with the
 * options the API would use, so it is exactly what the API would answer; the per-check breakdown
 * (checks.ts) explains it. The guard is the only thing that makes requests: discovery and JWKS.
 */
import { BearerError, createGuard, type GuardOptions } from '@bearer-guard/core'
import { createCapturingFetch } from './capture.js'
import { type Check, type Expectations, runChecks } from './checks.js'
import { decodeToken, type JsonObject } from './decode.js'
import type { InspectOptions } from './options.js'
import { UsageError } from './options.js'

/** Kept in step with the core's default allow-list (packages/core/src/jwt/algorithms.ts). */
const DEFAULT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519']
const DEFAULT_MAX_RESPONSE_BYTES = 524_288

/** The guard's own decision on the token, as the API would answer it. */
export interface Verdict {
  /** True only when the guard accepted the token and the route's scopes are granted. */
  readonly accepted: boolean
  /** False when `--issuer` or `--audience` was missing: the guard then ran with the token's own values. */
  readonly decided: boolean
  /** The guard's answer when it refused: HTTP status, RFC 6750 code, description, and the `cause` chain. */
  readonly status?: number
  readonly code?: string | undefined
  readonly description?: string
  readonly causes?: readonly string[]
}

/** Everything `inspect` found: the decoded token, the requests made, the per-check breakdown and the verdict. */
export interface InspectReport {
  readonly header: JsonObject | undefined
  readonly claims: JsonObject | undefined
  readonly now: number
  /** Where keys came from (every URL the guard fetched, in order). */
  readonly requests: ReadonlyArray<{ readonly url: string; readonly status: number }>
  readonly jwksUri: string | undefined
  readonly checks: readonly Check[]
  readonly verdict: Verdict
}

/**
 * Runs the core guard on `token` with `options`, fetching the issuer's keys (discovery and JWKS only), and
 * explains the verdict check by check. Throws a `UsageError` without `--issuer` or `--jwks-uri` or on bad options.
 */
export async function inspectToken(options: InspectOptions, token: string, now: () => number = Date.now): Promise<InspectReport> {
  const decoded = decodeToken(token)
  const { claims } = decoded
  const given = options.guard
  const decided = given.issuer !== undefined && given.audience !== undefined
  if (given.issuer === undefined && given.jwksUri === undefined) {
    throw new UsageError('pass --issuer (keys by discovery) or --jwks-uri (or put them in --config)')
  }
  // Without --issuer / --audience the guard still runs every other check, with the token's own values.
  const issuer = given.issuer ?? (typeof claims?.iss === 'string' ? claims.iss : 'urn:bearer-guard:inspect:no-issuer')
  const audience = given.audience ?? firstString(claims?.aud) ?? 'urn:bearer-guard:inspect:no-audience'
  const capture = createCapturingFetch(given.maxResponseSize ?? DEFAULT_MAX_RESPONSE_BYTES)
  const guardOptions: GuardOptions = { ...given, issuer, audience, fetch: capture.fetch, tokenCache: false, clock: now }
  let guard: ReturnType<typeof createGuard>
  try {
    guard = createGuard(guardOptions)
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/^createGuard: /, ''))
  }

  // Load the keys first, whatever the token: the breakdown shows them even when the guard refuses earlier.
  let keysError: string | undefined
  try {
    await guard.reload()
  } catch (error) {
    keysError = describeCauses(error).join(': ') || 'unavailable'
  }
  const verdict = await decide(guard, token, options, decided)
  await capture.settled()
  const jwksResponse = [...capture.responses].reverse().find((r) => isJwks(r.body))
  const jwks =
    jwksResponse !== undefined && keysError === undefined
      ? (jwksResponse.body as { keys: unknown[] })
      : { error: keysError ?? 'no JWKS received' }

  const expect: Expectations = {
    issuers: given.issuer === undefined ? undefined : toList(given.issuer),
    audiences:
      typeof given.audience === 'string' || Array.isArray(given.audience)
        ? toList(given.audience as string | readonly string[])
        : undefined,
    algorithms: given.algorithms ?? DEFAULT_ALGORITHMS,
    clockToleranceSeconds: given.clockTolerance ?? 5,
    maxTokenAgeSeconds: given.maxTokenAge,
    requiredClaims: given.requiredClaims ?? [],
    strict: given.strict ?? false,
    maxTokenLength: given.maxTokenLength ?? 8192,
    scopeClaims: given.scopeClaim === undefined ? ['scope', 'scp'] : toList(given.scopeClaim),
    scopes: options.scopes,
    scopeMode: options.scopeMode,
  }
  const nowSeconds = now() / 1000
  const checks = await runChecks({ token, header: decoded.header, claims, formatProblem: decoded.problem, jwks, nowSeconds, expect })
  return {
    header: decoded.header,
    claims,
    now: nowSeconds,
    requests: capture.responses.map(({ url, status }) => ({ url, status })),
    jwksUri: jwksResponse?.url,
    checks,
    verdict,
  }
}

async function decide(guard: ReturnType<typeof createGuard>, token: string, options: InspectOptions, decided: boolean): Promise<Verdict> {
  try {
    const auth = await guard.verify(token)
    if (options.scopes.length > 0) guard.scopeCheck(options.scopes, options.scopeMode)(auth)
    return { accepted: decided, decided }
  } catch (error) {
    if (!BearerError.is(error)) throw error
    return {
      accepted: false,
      decided,
      status: error.status,
      code: error.code,
      description: error.description,
      causes: describeCauses(error.cause),
    }
  }
}

/** The messages down an error's `cause` chain (bounded), for "why" lines. */
function describeCauses(error: unknown): string[] {
  const out: string[] = []
  for (let current = error, depth = 0; current !== undefined && current !== null && depth < 6; depth += 1) {
    if (current instanceof Error) {
      out.push(BearerError.is(current) ? current.description : current.message)
      current = current.cause
    } else if (typeof current === 'object') {
      // A structured rejection cause: its stable reason and detail, then the error behind it.
      const { reason, detail, error: inner } = current as { reason?: unknown; detail?: unknown; error?: unknown }
      out.push(typeof detail === 'string' ? `${String(reason)}: ${detail}` : String(reason))
      current = inner
    } else {
      out.push(String(current))
      break
    }
  }
  return out
}

function isJwks(body: unknown): boolean {
  return typeof body === 'object' && body !== null && Array.isArray((body as { keys?: unknown }).keys)
}

function toList(value: string | readonly string[]): readonly string[] {
  return typeof value === 'string' ? [value] : value
}

function firstString(value: unknown): string | undefined {
  if (typeof value === 'string') return value
  return Array.isArray(value) ? value.find((v): v is string => typeof v === 'string') : undefined
}
