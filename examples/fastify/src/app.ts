/**
 * The reports API: a public health route, a route where a token is optional, and routes that need a
 * scope. Copy this file as a starting point. With the plugin registered every route needs a valid token
 * unless its `config.auth` says otherwise.
 */
import bearerAuth, { BearerError, type GuardOptions } from '@bearer-guard/fastify'
import Fastify, { type FastifyInstance } from 'fastify'

export async function createApp(options: GuardOptions): Promise<FastifyInstance> {
  const app = Fastify()
  // One guard for the whole app, created at registration: its JWKS and token caches serve every route.
  await app.register(bearerAuth, { realm: 'reports', ...options })

  app.setErrorHandler((error, _request, reply) => {
    // RFC 6750 §3: status and `WWW-Authenticate` challenge from the error, the error code in the body.
    if (BearerError.is(error))
      return reply
        .code(error.status)
        .headers({ ...error.headers })
        .send(error.toJSON())
    app.log.error(error)
    return reply.code(500).send({ error: 'server_error' })
  })

  app.get('/health', { config: { auth: false } }, async () => ({ status: 'ok' }))

  // A token is welcome but not needed here; a bad token is still refused.
  app.get('/api/whoami', { config: { auth: { optional: true } } }, async (request) => {
    const { auth } = request
    return auth ? { authenticated: true, clientId: auth.clientId, scopes: auth.scopes } : { authenticated: false }
  })

  app.get('/api/reports', { config: { auth: { scopes: ['read:data'] } } }, async (request) => ({
    reports: [{ id: 1, title: 'Quarterly numbers' }],
    readBy: request.auth?.clientId,
  }))
  app.post('/api/reports', { config: { auth: { scopes: ['write:data'] } } }, async (request, reply) => {
    reply.code(201)
    return { id: 2, createdBy: request.auth?.clientId }
  })

  return app
}
