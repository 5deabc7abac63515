/** One driver per adapter (two for Fastify: route config and `app.requireScopes` hooks), each building {@link ROUTES}. */
import { once } from 'node:events'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createGuard, type GuardOptions } from '@bearer-guard/core'
import { bearerAuth as expressAuth, requireScopes as expressScopes } from '@bearer-guard/express'
import fastifyAuth from '@bearer-guard/fastify'
import { bearerAuth as koaAuth, requireScopes as koaScopes } from '@bearer-guard/koa'
import Router from '@koa/router'
import express, { type RequestHandler } from 'express'
import express4 from 'express4'
import Fastify, { type RouteShorthandOptions } from 'fastify'
import Koa from 'koa'
import Koa2 from 'koa2'
import { type Adapter, type AppOptions, ROUTES, type RunningApp, viewOf } from './routes.js'

export function guardOptions(options: AppOptions): GuardOptions {
  const { issuer, jwksUri, audience, realm } = options
  return realm === undefined ? { issuer, jwksUri, audience } : { issuer, jwksUri, audience, realm }
}

async function listen(server: Server): Promise<RunningApp> {
  if (!server.listening) await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  }
}

/** Express: public and optional routes first, then `app.use(bearerAuth(guard))` for the rest. */
const expressDriver = (name: string, createApp: () => express.Express): Adapter => ({
  name,
  start(options) {
    const guard = createGuard(guardOptions(options))
    const app = createApp()
    const handler: RequestHandler = (req, res) => {
      res.json(viewOf(req.auth))
    }
    for (const route of ROUTES) {
      if (route.auth === 'public') app.get(route.path, handler)
      if (route.auth === 'optional') app.get(route.path, expressAuth({ guard, optional: true }), handler)
    }
    app.use(expressAuth(guard))
    for (const route of ROUTES) {
      if (route.auth === 'required') app.get(route.path, handler)
      if (route.auth === 'scoped') app.get(route.path, expressScopes(route.scopes, { mode: route.mode }), handler)
    }
    return listen(app.listen(0, '127.0.0.1'))
  },
})

export const expressAdapter = expressDriver('express', () => express())
// Express 4 is in the peer range: the same table runs against it (its types are Express 5's here).
export const express4Adapter = expressDriver('express 4', () => (express4 as unknown as typeof express)())

/** Koa: a public router, then `app.use(bearerAuth(...))`, then the protected router. */
const koaDriver = (name: string, createApp: () => Koa): Adapter => ({
  name,
  start(options) {
    const guard = createGuard(guardOptions(options))
    const app = createApp()
    const open = new Router()
    const closed = new Router()
    const handler = (ctx: Koa.Context): void => {
      ctx.body = viewOf(ctx.state.auth)
    }
    for (const route of ROUTES) {
      if (route.auth === 'public') open.get(route.path, handler)
      if (route.auth === 'optional') open.get(route.path, koaAuth({ guard, optional: true }), handler)
      if (route.auth === 'required') closed.get(route.path, handler)
      if (route.auth === 'scoped') closed.get(route.path, koaScopes(route.scopes, { mode: route.mode }), handler)
    }
    app.use(open.routes())
    app.use(koaAuth(guard))
    app.use(closed.routes())
    return listen(app.listen(0, '127.0.0.1'))
  },
})

export const koaAdapter = koaDriver('koa', () => new Koa())
// Koa 2 is in the peer range: the same table runs against it.
export const koa2Adapter = koaDriver('koa 2', () => new (Koa2 as unknown as typeof Koa)())

async function startFastify(options: AppOptions, scopesBy: 'config' | 'hook'): Promise<RunningApp> {
  const app = Fastify()
  const base = guardOptions(options)
  await app.register(fastifyAuth, scopesBy === 'config' ? base : { guard: createGuard(base) })
  for (const route of ROUTES) {
    let routeOptions: RouteShorthandOptions = {}
    if (route.auth === 'public') routeOptions = { config: { auth: false } }
    if (route.auth === 'optional') routeOptions = { config: { auth: { optional: true } } }
    if (route.auth === 'scoped') {
      const { scopes, mode } = route
      if (scopesBy === 'config') routeOptions = { config: { auth: { scopes, mode } } }
      // Both hook stages: onRequest runs right after the plugin's hook, preHandler after body parsing.
      else if (mode === 'all') routeOptions = { onRequest: app.requireScopes(scopes) }
      else routeOptions = { preHandler: [app.requireScopes(scopes, { mode })] }
    }
    app.get(route.path, routeOptions, async (request) => viewOf(request.auth))
  }
  await app.listen({ port: 0, host: '127.0.0.1' })
  return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, close: () => app.close() }
}

export const fastifyConfigAdapter: Adapter = { name: 'fastify (route config)', start: (options) => startFastify(options, 'config') }
export const fastifyHookAdapter: Adapter = { name: 'fastify (requireScopes hooks)', start: (options) => startFastify(options, 'hook') }

export const ADAPTERS: readonly Adapter[] = [
  expressAdapter,
  express4Adapter,
  koaAdapter,
  koa2Adapter,
  fastifyConfigAdapter,
  fastifyHookAdapter,
]
