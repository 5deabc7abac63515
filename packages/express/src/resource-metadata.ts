/**
 * `protectedResourceMetadata`: serves the guard's RFC 9728 document at its well-known path, without
 * authentication. The response itself is decided by the core; this only writes it.
 */
import { type MetadataResponse, type ResourceMetadataSource, resolveMetadataGuard, serveResourceMetadata } from '@bearer-guard/core'
import type { RequestHandler, Response } from 'express'

export type { ResourceMetadataSource }

/** Writes a core metadata response. */
export function sendMetadata(res: Response, response: MetadataResponse): void {
  res.status(response.status).set(response.headers).end(response.body)
}

/**
 * Middleware answering `GET`/`HEAD`/`OPTIONS` on `/.well-known/oauth-protected-resource{path}` with the
 * guard's document (JSON, `Cache-Control`, CORS for any origin) and passing every other request on. Mount
 * it app-wide (`app.use(...)`): it matches on the full request path, wherever it is mounted.
 * `bearerAuth` with the same guard answers that path too, so the order of the two does not matter.
 */
export function protectedResourceMetadata(source: ResourceMetadataSource): RequestHandler {
  const guard = resolveMetadataGuard(source, 'protectedResourceMetadata')
  return function protectedResourceMetadata(req, res, next) {
    const response = serveResourceMetadata(guard, req.method, req.originalUrl)
    if (response === undefined) next()
    else sendMetadata(res, response)
  }
}
