/** The API the recipes are tested on, in Express and in Fastify: a protected `/me`, a scoped `/reports`, `/metrics` when given. */
import { once } from 'node:events'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { bearerAuth as expressAuth, requireScopes } from '@bearer-guard/express'
import fastifyAuth from '@bearer-guard/fastify'
import express from 'express'
import Fastify, { type FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'

export interface RunningApi {
  readonly url: string
  close(): Promise<void>
}

export interface ApiOptions {
  readonly issuer: string
  readonly audience: string
  /** Serve this registry at `/metrics` (public). */
  readonly registry?: Registry
}

export async function startExpressApi(options: ApiOptions): Promise<RunningApi> {
  const app = express()
  if (options.registry) {
    const registry = options.registry
    app.get('/metrics', async (_req, res) => {
      res.type(registry.contentType).send(await registry.metrics())
    })
  }
  app.use(expressAuth({ issuer: options.issuer, audience: options.audience }))
  app.get('/me', (req, res) => {
    res.json({ client: req.auth?.clientId })
  })
  app.get('/reports', requireScopes('read:reports'), (_req, res) => {
    res.json([])
  })
  const server: Server = app.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  }
}

export async function startFastifyApi(options: ApiOptions & { readonly logger?: Logger }): Promise<RunningApi & { app: FastifyInstance }> {
  // With a pino instance Fastify's type carries pino's Logger; the app is used as a plain instance here.
  const app = (options.logger ? Fastify({ loggerInstance: options.logger }) : Fastify()) as unknown as FastifyInstance
  await app.register(fastifyAuth, { issuer: options.issuer, audience: options.audience })
  if (options.registry) {
    const registry = options.registry
    app.get('/metrics', { config: { auth: false } }, async (_request, reply) =>
      reply.type(registry.contentType).send(await registry.metrics()),
    )
  }
  app.get('/me', async (request) => ({ client: request.auth?.clientId }))
  app.get('/reports', { config: { auth: { scopes: 'read:reports' } } }, async () => [])
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  return { app, url, close: () => app.close() }
}

/** GET with an optional bearer token; the status. */
export async function get(url: string, token?: string): Promise<number> {
  const response = await fetch(url, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } })
  await response.arrayBuffer()
  return response.status
}
