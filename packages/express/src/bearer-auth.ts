/**
 * `bearerAuth`: verifies the request's bearer token with the core guard and sets `req.auth`. Failures go to
 * `next(err)` as a `BearerError`, whose `status` and `headers` Express's final handler renders unaided.
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
import type { Request, RequestHandler } from 'express'
import type { BearerAuthOptions } from './options.js'
import { sendMetadata } from './resource-metadata.js'

declare global {
  namespace Express {
    interface Request {
      /** The verified token, set by `bearerAuth`; absent on public routes and optional-auth requests without a token. */
      auth?: AuthInfo
    }
  }
}

/** Where `bearerAuth` leaves its guard for `requireScopes`; `Symbol.for` so two copies of this package agree. */
const GUARD = Symbol.for('@bearer-guard/express:guard')

type WithGuard = { [GUARD]?: Guard }

/** The guard of the last `bearerAuth` that ran on this request, if any. */
export function guardOf(req: Request): Guard | undefined {
  return (req as WithGuard)[GUARD]
}

function toBearerRequest(req: Request): BearerRequest {
  // originalUrl: a mounted router rewrites req.url, but a query token belongs to the full target.
  // secure: the socket's own TLS state; forwarded headers are the core's business (dpop.trustProxy), not Express's `trust proxy`.
  const secure = (req.socket as { encrypted?: boolean } | undefined)?.encrypted === true
  return { method: req.method, url: req.originalUrl, headers: req.headers, rawHeaders: req.rawHeaders, body: req.body, secure }
}

/**
 * Middleware that authenticates every request it sees. Build it once, at startup: the guard (and its JWKS
 * and token caches) lives as long as the middleware.
 */
export function bearerAuth(options: BearerAuthOptions): RequestHandler
export function bearerAuth(...args: unknown[]): RequestHandler {
  checkBearerAuthArguments('bearerAuth', args)
  const options = args[0] as BearerAuthOptions
  const { guard, optional } = resolveAdapterOptions(options, 'bearerAuth')
  const authenticateOptions = { optional }
  // Express has no logger: the first 503 of an outage (and one a minute) carries an OutageNotice that the
  // app's error handler reads with outageNoticeOf(err).
  const outage = outageLogOf(guard)
  return function bearerAuth(req, res, next) {
    // RFC 9728: the metadata stays reachable without a token, even when this middleware is mounted app-wide.
    const metadata = serveResourceMetadata(guard, req.method, req.originalUrl)
    if (metadata !== undefined) return sendMetadata(res, metadata)
    ;(req as WithGuard)[GUARD] = guard
    guard.authenticate(toBearerRequest(req), authenticateOptions).then(
      (auth) => {
        if (auth !== undefined) {
          req.auth = auth
          outage.succeeded()
        }
        next()
      },
      (error: unknown) => {
        outage.failed(error)
        next(error)
      },
    )
  }
}
