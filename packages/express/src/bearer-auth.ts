/**
 * `bearerAuth`: verifies the request's bearer token with the core guard and sets `req.auth`. Failures go to
 * `next(err)` as a `BearerError`, whose `status` and `headers` Express's final handler renders unaided.
 */
import { type AuthInfo, type BearerRequest, type Guard, resolveAdapterOptions } from '@bearer-guard/core'
import type { Request, RequestHandler } from 'express'
import type { BearerAuthOptions } from './options.js'

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
export function bearerAuth(options: BearerAuthOptions): RequestHandler {
  const { guard, optional } = resolveAdapterOptions(options, 'bearerAuth')
  const authenticateOptions = { optional }
  return function bearerAuth(req, _res, next) {
    ;(req as WithGuard)[GUARD] = guard
    guard.authenticate(toBearerRequest(req), authenticateOptions).then((auth) => {
      if (auth !== undefined) req.auth = auth
      next()
    }, next)
  }
}
