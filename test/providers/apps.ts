/**
 * The smallest real app per adapter (Express, Koa, Fastify), on 127.0.0.1, built from whole guard options
 * (a preset, an introspection group): `/me` needs any valid token, `/needs/:scope` needs that scope.
 */
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import type { AuthInfo, GuardOptions } from '@bearer-guard/core'
import { bearerAuth as expressAuth, requireScopes as expressScopes } from '@bearer-guard/express'
import fastifyAuth from '@bearer-guard/fastify'
import { bearerAuth as koaAuth, requireScopes as koaScopes } from '@bearer-guard/koa'
import Router from '@koa/router'
import express from 'express'
import Fastify from 'fastify'
import Koa from 'koa'

export const FRAMEWORKS = ['express', 'koa', 'fastify'] as const
export type Framework = (typeof FRAMEWORKS)[number]

export interface App {
  readonly url: string
  close(): Promise<void>
}

/** Scopes the `/needs/<scope>` routes require (each route one scope). */
export const ROUTE_SCOPES = ['read:data', 'write:data', 'admin', 'Reports.Read.All', 'reports:read', 'resource-server/read'] as const

function view(auth: AuthInfo | undefined): unknown {
  return { clientId: auth?.clientId ?? null, subject: auth?.subject ?? null, scopes: auth?.scopes ?? null }
}

export async function startApp(framework: Framework, options: GuardOptions): Promise<App> {
  if (framework === 'express') {
    const app = express()
    app.use(expressAuth(options))
    app.get('/me', (req, res) => {
      res.json(view(req.auth))
    })
    for (const scope of ROUTE_SCOPES) {
      app.get(`/needs/${scope}`, expressScopes([scope]), (req, res) => {
        res.json(view(req.auth))
      })
    }
    const server = app.listen(0, '127.0.0.1')
    await once(server, 'listening')
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: () => new Promise((resolve) => server.close(() => resolve())),
    }
  }
  if (framework === 'koa') {
    const app = new Koa()
    const router = new Router()
    router.get('/me', (ctx) => {
      ctx.body = view(ctx.state.auth)
    })
    for (const scope of ROUTE_SCOPES) {
      router.get(`/needs/${scope}`, koaScopes([scope]), (ctx) => {
        ctx.body = view(ctx.state.auth)
      })
    }
    app.use(koaAuth(options))
    app.use(router.routes())
    const server = app.listen(0, '127.0.0.1')
    await once(server, 'listening')
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: () => new Promise((resolve) => server.close(() => resolve())),
    }
  }
  const app = Fastify()
  await app.register(fastifyAuth, options)
  app.get('/me', async (request) => view(request.auth))
  for (const scope of ROUTE_SCOPES)
    app.get(`/needs/${scope}`, { config: { auth: { scopes: [scope] } } }, async (request) => view(request.auth))
  await app.listen({ port: 0, host: '127.0.0.1' })
  return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, close: () => app.close() }
}

export interface Reply {
  readonly status: number
  readonly headers: Headers
  readonly body: Record<string, unknown>
}

export async function call(url: string, token?: string): Promise<Reply> {
  const response = await fetch(url, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } })
  const text = await response.text()
  let body: Record<string, unknown> = {}
  try {
    body = JSON.parse(text) as Record<string, unknown>
  } catch {
    body = { text }
  }
  return { status: response.status, headers: response.headers, body }
}
