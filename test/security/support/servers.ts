/**
 * The three adapters as real HTTP servers on 127.0.0.1, wired the way their READMEs show, each with the same
 * routes: `/resource` (any valid token), `/scoped` (needs `write:data`), `/public` (no auth). Plus a raw
 * HTTP/1.1 client that sends exactly the bytes a case asks for (several `Authorization` lines, odd spacing).
 */
import { once } from 'node:events'
import { createServer as createHttpServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { connect } from 'node:net'
import type { GuardOptions } from '@bearer-guard/core'
import { bearerAuth as expressAuth, requireScopes as expressScopes } from '@bearer-guard/express'
import fastifyAuth from '@bearer-guard/fastify'
import { bearerAuth as koaAuth, requireScopes as koaScopes } from '@bearer-guard/koa'
import Router from '@koa/router'
import express from 'express'
import Fastify from 'fastify'
import Koa from 'koa'

export type AdapterName = 'express' | 'koa' | 'fastify'
export const ADAPTERS: readonly AdapterName[] = ['express', 'koa', 'fastify']

export interface RunningServer {
  readonly name: AdapterName
  readonly port: number
  close(): Promise<void>
}

const SCOPE = 'write:data'

async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return (server.address() as AddressInfo).port
}

function closer(server: Server): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
}

export async function startServer(name: AdapterName, options: GuardOptions): Promise<RunningServer> {
  if (name === 'express') {
    const app = express()
    const auth = expressAuth(options)
    app.get('/public', (_req, res) => {
      res.json({ public: true })
    })
    app.all('/resource', auth, (req, res) => {
      res.json({ sub: req.auth?.subject ?? null, scopes: req.auth?.scopes ?? [] })
    })
    app.get('/scoped', auth, expressScopes(SCOPE), (req, res) => {
      res.json({ sub: req.auth?.subject ?? null })
    })
    const server = createHttpServer(app)
    return { name, port: await listen(server), close: closer(server) }
  }
  if (name === 'koa') {
    const app = new Koa()
    const router = new Router()
    const auth = koaAuth(options)
    router.get('/public', (ctx) => {
      ctx.body = { public: true }
    })
    router.all('/resource', auth, (ctx) => {
      ctx.body = { sub: ctx.state.auth?.subject ?? null, scopes: ctx.state.auth?.scopes ?? [] }
    })
    router.get('/scoped', auth, koaScopes(SCOPE), (ctx) => {
      ctx.body = { sub: ctx.state.auth?.subject ?? null }
    })
    app.use(router.routes())
    const server = createHttpServer(app.callback())
    return { name, port: await listen(server), close: closer(server) }
  }
  const app = Fastify({ logger: false })
  await app.register(fastifyAuth, options)
  app.get('/public', { config: { auth: false } }, async () => ({ public: true }))
  app.all('/resource', async (request) => ({ sub: request.auth?.subject ?? null, scopes: request.auth?.scopes ?? [] }))
  app.get('/scoped', { config: { auth: { scopes: [SCOPE] } } }, async (request) => ({ sub: request.auth?.subject ?? null }))
  await app.listen({ port: 0, host: '127.0.0.1' })
  return { name, port: (app.server.address() as AddressInfo).port, close: () => app.close() }
}

export interface RawResponse {
  readonly status: number
  /** Lower-case names; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  readonly raw: string
}

/** Sends one request with exactly these header lines (plus Host, Connection: close) and reads the whole answer. */
export async function rawRequest(
  port: number,
  request: { method?: string; path: string; lines: readonly string[]; body?: string },
  timeoutMs = 10_000,
): Promise<RawResponse> {
  const body = request.body ?? ''
  const head = [
    `${request.method ?? 'GET'} ${request.path} HTTP/1.1`,
    'Host: 127.0.0.1',
    ...request.lines,
    ...(body === '' ? [] : [`Content-Length: ${Buffer.byteLength(body)}`]),
    'Connection: close',
  ]
  const socket = connect(port, '127.0.0.1')
  const chunks: Buffer[] = []
  socket.on('data', (chunk: Buffer) => chunks.push(chunk))
  const timer = setTimeout(() => socket.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)
  try {
    await once(socket, 'connect')
    socket.write(`${head.join('\r\n')}\r\n\r\n${body}`)
    await once(socket, 'close')
  } finally {
    clearTimeout(timer)
  }
  const raw = Buffer.concat(chunks).toString('latin1')
  const end = raw.indexOf('\r\n\r\n')
  const [statusLine = '', ...headerLines] = raw.slice(0, end === -1 ? raw.length : end).split('\r\n')
  const headers: Record<string, string> = {}
  for (const line of headerLines) {
    const at = line.indexOf(':')
    const key = line.slice(0, at).trim().toLowerCase()
    const value = line.slice(at + 1).trim()
    headers[key] = headers[key] === undefined ? value : `${headers[key]}, ${value}`
  }
  let text = end === -1 ? '' : raw.slice(end + 4)
  if (headers['transfer-encoding'] === 'chunked') text = unchunk(text)
  return { status: Number(statusLine.split(' ')[1]), headers, body: text, raw }
}

function unchunk(text: string): string {
  let out = ''
  let rest = text
  for (;;) {
    const line = rest.indexOf('\r\n')
    const size = Number.parseInt(rest.slice(0, line), 16)
    if (!(size > 0)) return out
    out += rest.slice(line + 2, line + 2 + size)
    rest = rest.slice(line + 2 + size + 2)
  }
}

/** Everything a response must never contain, whatever the request: internals, upstream detail, key material. */
export function leaks(response: RawResponse, secrets: readonly string[]): string[] {
  const found: string[] = []
  const haystack = response.raw
  for (const pattern of [
    /\n\s+at /,
    /node:internal/,
    /node_modules/,
    /\/work\//,
    /secret-upstream-detail/,
    /\/srv\/keys/,
    /UpstreamError/,
  ]) {
    if (pattern.test(haystack)) found.push(String(pattern))
  }
  for (const secret of secrets) if (secret !== '' && haystack.includes(secret)) found.push(`secret ${secret.slice(0, 24)}...`)
  return found
}
