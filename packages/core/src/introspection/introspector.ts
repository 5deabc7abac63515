/**
 * Opaque tokens by introspection (RFC 7662), from token to the same {@link AuthInfo} a JWT yields.
 *
 * Per token, cheapest refusal first: local shape (length, RFC 6750 charset, the configured pattern), then
 * the result cache (keyed by the token's SHA-256, never the token), then one in-flight request per token
 * (concurrent requests for it wait on the same call), then the call budget (503 past it), then the call.
 * Active and inactive results are cached, inactive ones for the ceiling, active ones never past `exp`.
 * The response then meets the same rules as JWT claims: issuer, audience (or its replacement), required
 * claims, time, provider claim rules, scopes, and the user's `validate`.
 */

import { createHash } from 'node:crypto'
import {
  type IntrospectionFailureMessage,
  type IntrospectionStartMessage,
  type IntrospectionSuccessMessage,
  introspectionChannels,
} from '../diagnostics.js'
import { BearerError, InvalidTokenError, ServiceUnavailableError } from '../errors.js'
import { discoverEndpoint } from '../jwks/discovery.js'
import type { FetchLimits } from '../jwks/fetch-json.js'
import { type ClaimRules, checkStaticClaims, checkTimeClaims, readTimeClaims } from '../jwt/claims.js'
import { deepFreeze } from '../lib/deep-freeze.js'
import { assertFetchableUrl, type ResolvedOptions } from '../options.js'
import { rejection } from '../rejection.js'
import type { AuthInfo, JsonValue, JwtClaims, JwtHeader } from '../types.js'
import { CallBudget } from './budget.js'
import { type IntrospectionRecord, MemoryIntrospectionCache } from './cache.js'
import { introspect } from './client.js'
import type { ResolvedIntrospection } from './options.js'

/** RFC 6750 §2.1 b64token. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/
/** After a failed call, further calls wait this long (requests get 503), so an outage is not hammered. */
const FAILURE_BACKOFF_MS = 1000

/** What `AuthInfo.header` holds for an introspected token: it has no JOSE header. */
const INTROSPECTED_HEADER: JwtHeader = Object.freeze({ alg: 'introspection' })

export interface Introspector {
  /** True when this token goes to introspection rather than local JWT verification. */
  handles(token: string): boolean
  verify(token: string): Promise<AuthInfo>
}

export interface IntrospectorDeps {
  readonly rules: ClaimRules
  readonly readScopes: (claims: Readonly<Record<string, JsonValue>>) => readonly string[]
}

/** The 503's client-facing description when token introspection cannot answer. */
const INTROSPECTION_UNAVAILABLE = 'token introspection temporarily unavailable'

export function createIntrospector(config: ResolvedOptions, settings: ResolvedIntrospection, deps: IntrospectorDeps): Introspector {
  const limits: FetchLimits = {
    timeoutMs: config.timeoutMs,
    maxBytes: config.maxResponseBytes,
    followRedirects: false,
    headers: config.fetchHeaders,
    fetch: config.fetch,
    checkUrl: (url, what) => assertFetchableUrl(url, what, config.allowInsecureHttp),
  }
  const now = config.clock
  const budget = new CallBudget(settings.callsPerSecond, now)
  const inFlight = new Map<string, Promise<IntrospectionRecord>>()
  const cache =
    settings.cacheTtlCeilingMs === 0 ? undefined : (settings.cache ?? new MemoryIntrospectionCache(settings.cacheMaxEntries, config.clock))
  const soleIssuer = config.issuers.length === 1 ? config.issuers[0] : undefined
  let endpoint: Promise<string> | undefined
  let blockedUntil = 0
  let lastFailure: unknown
  /** For diagnostics: the configured endpoint, or the discovered one once known. */
  let knownEndpoint = settings.endpoint ?? ''

  /** The upstream detail of a failed introspection, never the client secret (no request credentials are in any error). */
  const unavailable = (error: unknown) => {
    const url = (error as { url?: unknown } | null)?.url
    return rejection('introspection_unavailable', {
      url: typeof url === 'string' ? url : knownEndpoint || undefined,
      detail: error instanceof Error ? error.message : String(error),
      error,
    })
  }

  const resolveEndpoint = (): Promise<string> => {
    if (settings.endpoint !== undefined) return Promise.resolve(settings.endpoint)
    // Discovered once; a failed discovery is retried by the next request.
    endpoint ??= discoverEndpoint(soleIssuer as string, limits, 'introspection_endpoint').catch((error: unknown) => {
      endpoint = undefined
      throw error
    })
    return endpoint
  }

  const checkShape = (token: string): void => {
    if (typeof token !== 'string') throw new InvalidTokenError('malformed token')
    const reason =
      token.length < settings.minTokenLength
        ? `shorter than ${settings.minTokenLength} characters`
        : token.length > config.maxTokenLength
          ? `longer than ${config.maxTokenLength} characters`
          : !B64TOKEN.test(token)
            ? 'not an RFC 6750 b64token'
            : settings.tokenPattern !== undefined && !settings.tokenPattern.test(token)
              ? 'does not match introspection.tokenPattern'
              : undefined
    if (reason !== undefined) {
      throw new InvalidTokenError('invalid token', {
        cause: rejection('introspection_not_attempted', { detail: `the token is ${reason}` }),
      })
    }
  }

  const ttlFor = (record: IntrospectionRecord): number => {
    if (!record.active) return settings.cacheTtlCeilingMs
    const exp = record.claims.exp
    const untilExp = typeof exp === 'number' ? exp * 1000 - now() : settings.cacheTtlCeilingMs
    return Math.min(settings.cacheTtlCeilingMs, untilExp)
  }

  const call = async (token: string): Promise<IntrospectionRecord> => {
    const current = now()
    if (current < blockedUntil) {
      throw new ServiceUnavailableError(Math.max(1, Math.ceil((blockedUntil - current) / 1000)), {
        cause: lastFailure,
        description: INTROSPECTION_UNAVAILABLE,
      })
    }
    const wait = budget.take()
    if (wait > 0) {
      throw new ServiceUnavailableError(Math.max(1, Math.ceil(wait / 1000)), {
        cause: rejection('introspection_budget_exhausted', { callsPerSecond: settings.callsPerSecond }),
        description: INTROSPECTION_UNAVAILABLE,
      })
    }
    const startedAt = performance.now()
    let endpointUrl: string | undefined
    try {
      endpointUrl = await resolveEndpoint()
      knownEndpoint = endpointUrl
      if (introspectionChannels.start.hasSubscribers)
        introspectionChannels.start.publish({ endpoint: endpointUrl } satisfies IntrospectionStartMessage)
      const record = await introspect(token, endpointUrl, settings, limits)
      if (introspectionChannels.success.hasSubscribers) {
        const durationMs = performance.now() - startedAt
        introspectionChannels.success.publish({
          endpoint: endpointUrl,
          active: record.active,
          cacheHit: false,
          durationMs,
        } satisfies IntrospectionSuccessMessage)
      }
      return record
    } catch (error) {
      if (introspectionChannels.failure.hasSubscribers) {
        const durationMs = performance.now() - startedAt
        const message = { endpoint: knownEndpoint, error, durationMs }
        introspectionChannels.failure.publish(message satisfies IntrospectionFailureMessage)
      }
      lastFailure = unavailable(error)
      blockedUntil = now() + FAILURE_BACKOFF_MS
      throw new ServiceUnavailableError(Math.ceil(FAILURE_BACKOFF_MS / 1000), {
        cause: lastFailure,
        description: INTROSPECTION_UNAVAILABLE,
      })
    }
  }

  const lookup = async (token: string, key: string): Promise<IntrospectionRecord> => {
    if (cache !== undefined) {
      let hit: IntrospectionRecord | undefined
      try {
        hit = await cache.get(key)
      } catch {
        // A failing shared cache degrades to calling the endpoint, within the same budget.
      }
      if (hit !== undefined) {
        if (introspectionChannels.success.hasSubscribers) {
          const message = { endpoint: knownEndpoint, active: hit.active, cacheHit: true, durationMs: 0 }
          introspectionChannels.success.publish(message satisfies IntrospectionSuccessMessage)
        }
        return hit
      }
    }
    const record = await call(token)
    if (cache !== undefined) {
      const ttl = ttlFor(record)
      if (ttl > 0) {
        try {
          await cache.set(key, record, ttl)
        } catch {
          // Not cached: the next request introspects again.
        }
      }
    }
    return record
  }

  const toAuthInfo = (token: string, record: IntrospectionRecord): AuthInfo => {
    if (!record.active) throw new InvalidTokenError('token not active', { cause: rejection('token_inactive', {}) })
    const response = record.claims
    const tokenType = response.token_type
    if (typeof tokenType === 'string' && tokenType.toLowerCase() === 'dpop') {
      throw new InvalidTokenError('sender-constrained token sent as bearer', {
        // Proof-of-possession checks for introspected tokens are not supported yet.
        cause: rejection('sender_constrained_token', { methods: ['jkt'] }),
      })
    }
    // RFC 7662 makes `iss` optional: the one issuer whose endpoint answered is the issuer.
    const claims = response.iss === undefined && soleIssuer !== undefined ? { ...response, iss: soleIssuer } : response
    checkStaticClaims(claims, deps.rules)
    checkTimeClaims(readTimeClaims(claims), deps.rules, now() / 1000)
    const c = claims as JwtClaims
    const scopes = deps.readScopes(claims)
    const auth: { -readonly [K in keyof AuthInfo]: AuthInfo[K] } = {
      token,
      header: INTROSPECTED_HEADER,
      claims: deepFreeze({ ...c }),
      scopes: deepFreeze([...scopes]),
    }
    const clientId = deps.rules.policy?.clientId(claims)
    if (clientId !== undefined) auth.clientId = clientId
    if (typeof c.sub === 'string') auth.subject = c.sub
    if (typeof c.exp === 'number') auth.expiresAt = c.exp
    return Object.freeze(auth)
  }

  return {
    handles(token) {
      if (settings.all) return true
      // A JWS compact serialisation has exactly two dots; anything else cannot be verified locally.
      return token.split('.', 4).length !== 3
    },
    async verify(token) {
      checkShape(token)
      const key = createHash('sha256').update(token).digest('base64url')
      let pending = inFlight.get(key)
      if (pending === undefined) {
        pending = lookup(token, key).finally(() => inFlight.delete(key))
        inFlight.set(key, pending)
      }
      let record: IntrospectionRecord
      try {
        record = await pending
      } catch (error) {
        if (BearerError.is(error)) throw error
        throw new ServiceUnavailableError(1, { cause: unavailable(error), description: INTROSPECTION_UNAVAILABLE })
      }
      return toAuthInfo(token, record)
    },
  }
}
