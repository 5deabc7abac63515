/**
 * `protectedResourceMetadata`: serves the guard's RFC 9728 document at its well-known path, without
 * authentication. The response itself is decided by the core; this only writes it.
 */
import { type MetadataResponse, type ResourceMetadataSource, resolveMetadataGuard, serveResourceMetadata } from '@bearer-guard/core'
import type { Context, Middleware } from 'koa'

export type { ResourceMetadataSource }

/** Writes a core metadata response. Headers first: Koa would otherwise pick a text content type. */
export function sendMetadata(ctx: Context, response: MetadataResponse): void {
  ctx.status = response.status
  ctx.set(response.headers)
  ctx.body = response.status === 204 ? null : response.body
}

/**
 * Middleware answering `GET`/`HEAD`/`OPTIONS` on `/.well-known/oauth-protected-resource{path}` with the
 * guard's document (JSON, `Cache-Control`, CORS for any origin) and passing every other request on.
 * Mount it app-wide (`app.use(...)`), before or after `bearerAuth`: `bearerAuth` with the same guard
 * answers that path too.
 */
export function protectedResourceMetadata(source: ResourceMetadataSource): Middleware {
  const guard = resolveMetadataGuard(source, 'protectedResourceMetadata')
  return async function protectedResourceMetadata(ctx, next) {
    const response = serveResourceMetadata(guard, ctx.method, ctx.originalUrl)
    if (response === undefined) await next()
    else sendMetadata(ctx, response)
  }
}
