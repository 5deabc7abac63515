/**
 * The RFC 9728 metadata route the plugin registers for a guard with `protectedResource`: public
 * (`config.auth: false`), answered by the core's framework-neutral response.
 */
import { type Guard, type MetadataResponse, serveResourceMetadata } from '@bearer-guard/core'
import type { FastifyInstance } from 'fastify'

const CALLER = '@bearer-guard/fastify'

/**
 * Registers `GET` (and Fastify's automatic `HEAD`) and `OPTIONS` on the guard's well-known path. The
 * path is absolute on the origin (RFC 9728 §3.1), so a prefixed scope would publish it in the wrong place:
 * that is refused at registration.
 */
export function registerMetadataRoute(fastify: FastifyInstance, guard: Guard): void {
  const resource = guard.protectedResource
  if (resource === undefined) return
  if (fastify.prefix !== '') {
    throw new Error(
      `${CALLER}: registered under the prefix "${fastify.prefix}", so the metadata route would miss ${resource.metadata.path}; ` +
        'register the plugin at the root, or pass resourceMetadataRoute: false and serve it at the root with protectedResourceMetadataRoute',
    )
  }
  protectedResourceMetadataRoute(fastify, guard)
}

/** Adds the metadata route for `guard` to `fastify` (at the root of the origin). */
export function protectedResourceMetadataRoute(fastify: FastifyInstance, guard: Guard): void {
  const path = guard.protectedResource?.metadata.path
  if (path === undefined) throw new TypeError(`${CALLER}: the guard has no protectedResource`)
  fastify.route({
    method: ['GET', 'OPTIONS'],
    url: path,
    config: { auth: false },
    handler(request, reply) {
      // Never undefined: the route's own path always matches.
      const response = serveResourceMetadata(guard, request.method, request.raw.url ?? path) as MetadataResponse
      return reply.code(response.status).headers(response.headers).send(response.body)
    },
  })
}
