/**
 * `bearerAuth`: verifies the request's bearer token with the core guard and sets `ctx.state.auth`. Failures
 * are thrown as a `BearerError`, whose `status`, `expose` and `headers` Koa's `ctx.onerror` renders unaided.
 */
import {
  type AuthInfo,
  type BearerRequest,
  checkBearerAuthArguments,
  type Guard,
  outageLogOf,
  resolveAdapterOptions,
  serveResourceMetadata,
} from '@bearer-guard/core'
import type { Context, Middleware } from 'koa'
import type { BearerAuthOptions } from './options.js'
import { sendMetadata } from './resource-metadata.js'

/** The state `bearerAuth` adds. Koa's `DefaultState` is augmented with it; use it in your own state types too. */
export interface BearerState {
  /** The verified token; absent on public routes and optional-auth requests without a token. */
  auth?: AuthInfo
}

declare module 'koa' {
  interface DefaultState extends BearerState {}
}

/** Where `bearerAuth` leaves its guard for `requireScopes`; `Symbol.for` so two copies of this package agree. */
const GUARD = Symbol.for('@bearer-guard/koa:guard')

type WithGuard = { [GUARD]?: Guard }

/** The guard of the last `bearerAuth` that ran on this request, if any. */
export function guardOf(ctx: Context): Guard | undefined {
  return (ctx as WithGuard)[GUARD]
}

function toBearerRequest(ctx: Context): BearerRequest {
  const { req } = ctx
  // `ctx.request.body` exists only with a body parser, and only matters for opt-in body tokens.
  const body = (ctx.request as { body?: unknown }).body
  // secure: the socket's own TLS state; forwarded headers are the core's business (dpop.trustProxy), not `app.proxy`.
  const secure = (req.socket as { encrypted?: boolean } | undefined)?.encrypted === true
  return { method: req.method ?? ctx.method, url: ctx.originalUrl, headers: req.headers, rawHeaders: req.rawHeaders, body, secure }
}

/**
 * Middleware that authenticates every request reaching it. Build it once, at startup: the guard (and its
 * JWKS and token caches) lives as long as the middleware.
 */
export function bearerAuth(options: BearerAuthOptions): Middleware
export function bearerAuth(...args: unknown[]): Middleware {
  checkBearerAuthArguments('bearerAuth', args)
  const options = args[0] as BearerAuthOptions
  const { guard, optional } = resolveAdapterOptions(options, 'bearerAuth')
  const authenticateOptions = { optional }
  const outage = outageLogOf(guard)
  return async function bearerAuth(ctx, next) {
    // RFC 9728: the metadata stays reachable without a token, even when this middleware is mounted app-wide.
    const metadata = serveResourceMetadata(guard, ctx.method, ctx.originalUrl)
    if (metadata !== undefined) return sendMetadata(ctx, metadata)
    ;(ctx as WithGuard)[GUARD] = guard
    let auth: AuthInfo | undefined
    try {
      auth = await guard.authenticate(toBearerRequest(ctx), authenticateOptions)
    } catch (error) {
      // The 503 itself is exposed, so Koa's default listener keeps it (and every 401) out of stderr; the
      // outage is reported once, and once a minute, as its own unexposed error on the app's 'error' event.
      const notice = outage.failed(error)
      if (notice !== undefined && ctx.app.listenerCount('error') > 0) ctx.app.emit('error', notice, ctx)
      throw error
    }
    if (auth !== undefined) {
      ctx.state.auth = auth
      outage.succeeded()
    }
    await next()
  }
}
