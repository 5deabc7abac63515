/**
 * The reports API: a public health route, a route where a token is optional, and routes that need a
 * scope. Copy this file as a starting point; everything bearer-guard does is in the first ten lines of
 * `createApp`.
 */
import { BearerError, bearerAuth, createGuard, type GuardOptions, requireScopes } from '@bearer-guard/express'
import express, { type ErrorRequestHandler, type Express } from 'express'

export function createApp(options: GuardOptions): Express {
  // One guard for the whole app, created at startup: its JWKS and token caches serve every route.
  const guard = createGuard({ realm: 'reports', ...options })
  const app = express()
  app.disable('x-powered-by')

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' })
  })

  // A token is welcome but not needed here; a bad token is still refused.
  app.get('/api/whoami', bearerAuth({ guard, optional: true }), (req, res) => {
    res.json(req.auth ? { authenticated: true, clientId: req.auth.clientId, scopes: req.auth.scopes } : { authenticated: false })
  })

  // Everything else under /api needs a valid token, and each route its own scope.
  app.use('/api', bearerAuth(guard))
  app.get('/api/reports', requireScopes('read:data'), (req, res) => {
    res.json({ reports: [{ id: 1, title: 'Quarterly numbers' }], readBy: req.auth?.clientId })
  })
  app.post('/api/reports', requireScopes('write:data'), (req, res) => {
    res.status(201).json({ id: 2, createdBy: req.auth?.clientId })
  })

  app.use(errorHandler)
  return app
}

/**
 * RFC 6750 §3: the status and `WWW-Authenticate` challenge come from the error; the JSON body repeats the
 * error code for clients that read bodies. Anything else is our bug: a 500 that says nothing more.
 */
const errorHandler: ErrorRequestHandler = (error, _req, res, _next) => {
  if (BearerError.is(error)) {
    res.status(error.status).set(error.headers).json(error.toJSON())
    return
  }
  console.error(error)
  res.status(500).json({ error: 'server_error' })
}
