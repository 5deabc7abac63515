/**
 * The same small API in each adapter, for the DPoP tests: `GET /things` and `POST /things` need a token,
 * `GET /admin` needs the `admin` scope. Each answers `{ client, jkt }` from the verified auth.
 */
import type { AddressInfo } from 'node:net'
import type { AuthInfo, GuardOptions } from '@bearer-guard/core'
import { bearerAuth as expressAuth, requireScopes as expressScopes } from '@bearer-guard/express'
import fastifyAuth from '@bearer-guard/fastify'
import { bearerAuth as koaAuth, requireScopes as koaScopes } from '@bearer-guard/koa'
import Router from '@koa/router'
import express from 'express'
import Fastify from 'fastify'
import Koa from 'koa'

export interface DpopApp {
  readonly url: string
  close(): Promise<void>
}

export interface DpopAdapter {
  readonly name: string
  start(options: GuardOptions): Promise<DpopApp>
}

const view = (auth: AuthInfo | undefined) => ({ client: auth?.clientId ?? null, jkt: auth?.dpop?.jkt ?? null })

const closeServer = (server: import('node:http').Server) => () =>
  new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())))

export const DPOP_ADAPTERS: readonly DpopAdapter[] = [
  {
    name: 'express',
    async start(options) {
      const app = express()
      app.use(expressAuth(options))
      app.get('/things', (req, res) => {
        res.json(view(req.auth))
      })
      app.post('/things', (req, res) => {
        res.json(view(req.auth))
      })
      app.get('/admin', expressScopes('admin'), (req, res) => {
        res.json(view(req.auth))
      })
      const server = app.listen(0, '127.0.0.1')
      await new Promise((resolve) => server.once('listening', resolve))
      return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: closeServer(server) }
    },
  },
  {
    name: 'koa',
    async start(options) {
      const app = new Koa()
      const router = new Router()
      router.get('/things', (ctx) => {
        ctx.body = view(ctx.state.auth)
      })
      router.post('/things', (ctx) => {
        ctx.body = view(ctx.state.auth)
      })
      router.get('/admin', koaScopes('admin'), (ctx) => {
        ctx.body = view(ctx.state.auth)
      })
      app.use(koaAuth(options))
      app.use(router.routes())
      const server = app.listen(0, '127.0.0.1')
      await new Promise((resolve) => server.once('listening', resolve))
      return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: closeServer(server) }
    },
  },
  {
    name: 'fastify',
    async start(options) {
      const app = Fastify()
      await app.register(fastifyAuth, options)
      app.get('/things', async (request) => view(request.auth))
      app.post('/things', async (request) => view(request.auth))
      app.get('/admin', { config: { auth: { scopes: 'admin' } } }, async (request) => view(request.auth))
      await app.listen({ port: 0, host: '127.0.0.1' })
      return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, close: () => app.close() }
    },
  },
]
