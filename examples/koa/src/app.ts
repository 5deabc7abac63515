/**
 * The reports API: a public health route, a route where a token is optional, and routes that need a
 * scope. Copy this file as a starting point.
 */
import { BearerError, bearerAuth, createGuard, type GuardOptions, requireScopes } from '@bearer-guard/koa'
import Router from '@koa/router'
import Koa, { type Middleware } from 'koa'

export function createApp(options: GuardOptions): Koa {
  // One guard for the whole app, created at startup: its JWKS and token caches serve every route.
  const guard = createGuard({ realm: 'reports', ...options })
  const authenticated = bearerAuth(guard)
  const router = new Router()

  router.get('/health', (ctx) => {
    ctx.body = { status: 'ok' }
  })

  // A token is welcome but not needed here; a bad token is still refused.
  router.get('/api/whoami', bearerAuth({ guard, optional: true }), (ctx) => {
    const { auth } = ctx.state
    ctx.body = auth ? { authenticated: true, clientId: auth.clientId, scopes: auth.scopes } : { authenticated: false }
  })

  router.get('/api/reports', authenticated, requireScopes('read:data'), (ctx) => {
    ctx.body = { reports: [{ id: 1, title: 'Quarterly numbers' }], readBy: ctx.state.auth?.clientId }
  })
  router.post('/api/reports', authenticated, requireScopes('write:data'), (ctx) => {
    ctx.status = 201
    ctx.body = { id: 2, createdBy: ctx.state.auth?.clientId }
  })

  const app = new Koa()
  app.use(rfc6750Errors)
  app.use(router.routes())
  app.use(router.allowedMethods())
  return app
}

/**
 * RFC 6750 §3: the status and `WWW-Authenticate` challenge come from the error; the JSON body repeats the
 * error code for clients that read bodies. Koa's own handler would send the same status and headers with a
 * text body; anything that is not a BearerError is left to it (a 500 that says nothing more).
 */
const rfc6750Errors: Middleware = async (ctx, next) => {
  try {
    await next()
  } catch (error) {
    if (!BearerError.is(error)) throw error
    ctx.status = error.status
    for (const [name, value] of Object.entries(error.headers)) if (value !== undefined) ctx.set(name, value)
    ctx.body = error.toJSON()
  }
}
