/**
 * RFC 6750 §3 error model. Every rejection the guard makes is a {@link BearerError}: it carries the HTTP
 * status, the RFC 6750 error code and ready-made response headers, shaped so that Express 5's final
 * handler, Koa's `ctx.onerror` and Fastify's error handler render it unaided (`status`, `statusCode`,
 * `expose`, `headers`).
 *
 * @module
 */
import { type DpopChallengeContext, formatDpopChallenges } from './dpop/challenge.js'
import { formatChallenge } from './lib/challenge.js'
import { rejection } from './rejection.js'

/**
 * The RFC 6750 §3.1 error codes, and RFC 9449's `invalid_dpop_proof` and `use_dpop_nonce`. `undefined` means
 * "no credentials": the challenge carries no error.
 */
export type BearerErrorCode = 'invalid_request' | 'invalid_token' | 'insufficient_scope' | 'invalid_dpop_proof' | 'use_dpop_nonce'

/**
 * Response headers a {@link BearerError} asks for, lower-case names. A type alias, not an interface, so it
 * is assignable to index-signature types: Node's `OutgoingHttpHeaders` (`res.writeHead(err.status,
 * err.headers)`), Fastify's `reply.headers()`, Koa's `ctx.set()`, Express's `res.set()`.
 */
export type BearerErrorHeaders = {
  readonly 'www-authenticate'?: string
  readonly 'retry-after'?: string
  readonly 'cache-control'?: string
  /** RFC 9449 §9 server nonce, on `use_dpop_nonce`. */
  readonly 'dpop-nonce'?: string
}

/** Where the challenge's `realm` and other static parameters come from; set once per guard. */
export interface ChallengeContext {
  readonly realm?: string | undefined
  /** RFC 9728 §5.1 `resource_metadata` URL, added to every challenge when configured. */
  readonly resourceMetadata?: string | undefined
  /** Set by a guard that accepts DPoP: challenges then follow RFC 9449 §7.1 (see `dpop/challenge.ts`). */
  readonly dpop?: DpopChallengeContext | undefined
}

const BRAND = Symbol.for('bearer-guard.BearerError')

/** What a {@link BearerError} is built from (the subclasses fill it in; most code never builds one). */
export interface BearerErrorInit {
  /** HTTP status: 400, 401, 403 or 503. */
  readonly status: number
  /** RFC 6750 `error` code; none for a bare 401 challenge or a 503. */
  readonly code: BearerErrorCode | undefined
  /** Short, stable `error_description` sent to the client. */
  readonly description: string
  /** Scopes named in the `insufficient_scope` challenge. */
  readonly scope?: readonly string[] | undefined
  /** The detailed reason, kept server-side (never sent). */
  readonly cause?: unknown
  /** `Retry-After` for a 503, in seconds. */
  readonly retryAfterSeconds?: number | undefined
  readonly nonce?: string | undefined
}

/**
 * Base class of every rejection. Switch on {@link BearerError.code} (or `status`), never on the message.
 *
 * The stack trace is deliberately not captured: these are expected outcomes on the hot path (a 10 %
 * invalid-token load would otherwise spend most of its time building stacks), and framework error pages
 * in development mode must not print our internals to the client. The underlying reason is in `cause`.
 */
export class BearerError extends Error {
  /** HTTP status: 400, 401, 403 or 503. */
  readonly status: number
  /** Same as {@link status}, for frameworks (Fastify) that read `statusCode`. */
  readonly statusCode: number
  /** RFC 6750 error code; `undefined` for "no credentials" and for 503. */
  readonly code: BearerErrorCode | undefined
  /** Short, stable, client-safe description (also the `error_description` challenge parameter). */
  readonly description: string
  /** Scopes the request needed (only on `insufficient_scope`). */
  readonly scope: readonly string[] | undefined
  /** Koa: the message is safe to show to the client. */
  readonly expose = true
  /** Response headers, including the `WWW-Authenticate` challenge. Realm-less until {@link @bearer-guard/core!Guard.challenge | Guard.challenge} completes it. */
  readonly headers: BearerErrorHeaders
  /** Seconds the client should wait before retrying (503 only). */
  readonly retryAfterSeconds: number | undefined

  constructor(init: BearerErrorInit, context: ChallengeContext = {}) {
    const limit = Error.stackTraceLimit
    Error.stackTraceLimit = 0
    super(init.description, init.cause === undefined ? undefined : { cause: init.cause })
    Error.stackTraceLimit = limit
    this.name = new.target.name
    this.status = init.status
    this.statusCode = init.status
    this.code = init.code
    this.description = init.description
    this.scope = init.scope
    this.retryAfterSeconds = init.retryAfterSeconds
    this.headers = buildHeaders(init, context)
    Object.defineProperty(this, BRAND, { value: true })
  }

  /** True for any BearerError, even one from another copy of this package. */
  static is(value: unknown): value is BearerError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true
  }

  /**
   * Adds a guard's realm and resource metadata to this error's challenge. Errors are created per request,
   * so the guard completes them in place rather than copying.
   */
  withChallengeContext(context: ChallengeContext): this {
    ;(this as { headers: BearerErrorHeaders }).headers = buildHeaders(this, context)
    return this
  }

  /** JSON body for frameworks that send one: `{ error, error_description }`. */
  toJSON(): { error: string; error_description: string } {
    return { error: this.code ?? (this.status === 503 ? 'temporarily_unavailable' : 'unauthorized'), error_description: this.description }
  }
}

function buildHeaders(init: BearerErrorInit, context: ChallengeContext): BearerErrorHeaders {
  if (init.status === 503) {
    return { 'retry-after': String(init.retryAfterSeconds ?? 1), 'cache-control': 'no-store' }
  }
  if (context.dpop !== undefined) {
    const challenge = formatDpopChallenges(init, context, context.dpop)
    return init.nonce === undefined ? { 'www-authenticate': challenge } : { 'www-authenticate': challenge, 'dpop-nonce': init.nonce }
  }
  return {
    'www-authenticate': formatChallenge('Bearer', [
      ['realm', context.realm],
      ['error', init.code],
      ['error_description', init.code === undefined ? undefined : init.description],
      ['scope', init.scope?.join(' ')],
      ['resource_metadata', context.resourceMetadata],
    ]),
  }
}

/** 401 with a bare `Bearer` challenge: the request carried no bearer credentials (RFC 6750 §3.1). */
export class MissingTokenError extends BearerError {
  constructor(context?: ChallengeContext, options: { cause?: unknown } = {}) {
    super(
      { status: 401, code: undefined, description: 'bearer token required', cause: options.cause ?? rejection('token_missing', {}) },
      context,
    )
  }
}

/** 400 `invalid_request`: malformed `Authorization` header, several credentials, token in several places. */
export class InvalidRequestError extends BearerError {
  constructor(description: string, options: { cause?: unknown } = {}, context?: ChallengeContext) {
    super({ status: 400, code: 'invalid_request', description, cause: options.cause }, context)
  }
}

/** 401 `invalid_token`: bad signature, expired, wrong issuer or audience, disallowed algorithm, unknown key. */
export class InvalidTokenError extends BearerError {
  constructor(description: string, options: { cause?: unknown } = {}, context?: ChallengeContext) {
    super({ status: 401, code: 'invalid_token', description, cause: options.cause }, context)
  }
}

/** 403 `insufficient_scope`, naming the scopes the route requires in the challenge's `scope`. */
export class InsufficientScopeError extends BearerError {
  constructor(scope: readonly string[], options: { description?: string; cause?: unknown } = {}, context?: ChallengeContext) {
    super(
      { status: 403, code: 'insufficient_scope', description: options.description ?? 'insufficient scope', scope, cause: options.cause },
      context,
    )
  }
}

/**
 * 503 with `Retry-After`: the signing keys could not be obtained (JWKS or discovery endpoint down, slow,
 * or serving garbage). Not the client's fault, so never a 401. The description never names the upstream.
 */
export class ServiceUnavailableError extends BearerError {
  /**
   * @param options.description - the short client-facing text; default `authorization keys temporarily
   *   unavailable` (the JWKS or discovery path). Introspection outages say so instead.
   */
  constructor(retryAfterSeconds: number, options: { cause?: unknown; description?: string } = {}) {
    super({
      status: 503,
      code: undefined,
      description: options.description ?? 'authorization keys temporarily unavailable',
      retryAfterSeconds,
      cause: options.cause,
    })
  }
}
