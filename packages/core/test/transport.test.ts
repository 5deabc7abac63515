/**
 * RFC 6750 §2 token transport through `guard.authenticate`: the Authorization header (scheme any case,
 * 1*SP), the opt-in query and form-body methods, and `invalid_request` for every ambiguity (§3.1).
 * The last block goes through a real HTTP server and raw sockets, so Node's own header handling is in play.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { connect } from 'node:net'
import { type BearerRequest, createGuard, type Guard, type GuardOptions } from '@bearer-guard/core'
import { createTestIssuer } from '@bearer-guard/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rejection } from './helpers.js'

const as = await createTestIssuer()
afterAll(() => as.close())

let token: string
beforeAll(async () => {
  token = await as.sign({}, { scope: 'read' })
})

function makeGuard(extra: Partial<GuardOptions> = {}): Guard {
  return createGuard({ issuer: as.issuer, audience: as.audience, jwksUri: as.jwksUri, ...extra })
}

const get = (headers: BearerRequest['headers'], url = '/orders'): BearerRequest => ({ method: 'GET', url, headers })

async function expectInvalidRequest(promise: Promise<unknown>, description: string): Promise<void> {
  const error = await rejection(promise)
  expect({ status: error.status, code: error.code, description: error.description }).toEqual({
    status: 400,
    code: 'invalid_request',
    description,
  })
  expect(error.headers['www-authenticate']).toBe(`Bearer error="invalid_request", error_description="${description}"`)
}

async function expectBareChallenge(promise: Promise<unknown>): Promise<void> {
  const error = await rejection(promise)
  expect(error.status).toBe(401)
  expect(error.code).toBeUndefined()
  expect(error.headers).toEqual({ 'www-authenticate': 'Bearer' })
}

describe('Authorization header', () => {
  const guard = makeGuard()

  it('accepts "Bearer <token>" and returns the verified AuthInfo', async () => {
    const auth = await guard.authenticate(get({ authorization: `Bearer ${token}` }))
    expect(auth.token).toBe(token)
    expect(auth.scopes).toEqual(['read'])
  })

  it.each(['bearer', 'BEARER', 'BeArEr'])('treats the scheme case-insensitively: %s', async (scheme) => {
    const auth = await guard.authenticate(get({ authorization: `${scheme} ${token}` }))
    expect(auth.token).toBe(token)
  })

  it('accepts several spaces after the scheme (1*SP)', async () => {
    const auth = await guard.authenticate(get({ authorization: `Bearer    ${token}` }))
    expect(auth.token).toBe(token)
  })

  it('no credentials at all: 401 with a bare challenge and no error code', async () => {
    await expectBareChallenge(guard.authenticate(get({})))
  })

  it.each([
    ['Basic', 'Basic dXNlcjpwYXNz'],
    ['Digest', 'Digest username="a", realm="b"'],
    ['a scheme that merely starts with bearer', `Bearertoken ${token}`],
    ['an empty header', ''],
  ])('another scheme is "no bearer credentials": %s', async (_name, authorization) => {
    await expectBareChallenge(guard.authenticate(get({ authorization })))
  })

  it.each([
    ['Bearer', 'missing bearer token'],
    ['Bearer ', 'missing bearer token'],
    ['bearer    ', 'missing bearer token'],
    ['Bearer a b', 'malformed authorization header'],
    ['Bearer a,b', 'malformed authorization header'],
    ['Bearer ab=c', 'malformed authorization header'],
    ['Bearer a"b', 'malformed authorization header'],
    ['Bearer é', 'malformed authorization header'],
    ['Bearer\tabc', 'malformed authorization header'],
    ['Bearer abc, Basic xyz', 'malformed authorization header'],
  ])('malformed bearer header %j: 400 invalid_request', async (authorization, description) => {
    await expectInvalidRequest(guard.authenticate(get({ authorization })), description)
  })

  it('a Bearer credential hidden in a comma-joined list is several credentials', async () => {
    await expectInvalidRequest(guard.authenticate(get({ authorization: `Basic xyz, Bearer ${token}` })), 'multiple credentials')
  })

  it('b64token padding is allowed', async () => {
    // Structurally fine per RFC 6750 §2.1, so the transport passes it on and verification refuses it.
    const error = await rejection(guard.authenticate(get({ authorization: 'Bearer abc==' })))
    expect(error.status).toBe(401)
    expect(error.code).toBe('invalid_token')
  })

  it('several Authorization headers (array form): 400', async () => {
    await expectInvalidRequest(
      guard.authenticate(get({ authorization: [`Bearer ${token}`, `Bearer ${token}`] })),
      'multiple authorization headers',
    )
  })

  it('several Authorization headers seen only in rawHeaders: 400', async () => {
    const request: BearerRequest = {
      method: 'GET',
      url: '/',
      headers: { authorization: `Bearer ${token}` },
      rawHeaders: ['Host', 'x', 'Authorization', `Bearer ${token}`, 'AUTHORIZATION', 'Basic eA=='],
    }
    await expectInvalidRequest(guard.authenticate(request), 'multiple authorization headers')
  })

  it('one Authorization header in rawHeaders is fine', async () => {
    const request: BearerRequest = {
      method: 'GET',
      url: '/',
      headers: { authorization: `Bearer ${token}` },
      rawHeaders: ['Host', 'x', 'authorization', `Bearer ${token}`],
    }
    expect((await guard.authenticate(request)).token).toBe(token)
  })

  it('a bad token behind a good header is 401 invalid_token', async () => {
    const error = await rejection(guard.authenticate(get({ authorization: `Bearer ${token}x` })))
    expect(error.status).toBe(401)
    expect(error.code).toBe('invalid_token')
  })

  it('optional: resolves undefined without credentials, still throws for bad ones', async () => {
    await expect(guard.authenticate(get({}), { optional: true })).resolves.toBeUndefined()
    await expect(guard.authenticate(get({ authorization: 'Basic eA==' }), { optional: true })).resolves.toBeUndefined()
    await expectInvalidRequest(
      guard.authenticate(get({ authorization: 'Bearer a b' }), { optional: true }),
      'malformed authorization header',
    )
    const error = await rejection(guard.authenticate(get({ authorization: 'Bearer abc' }), { optional: true }))
    expect(error.code).toBe('invalid_token')
    expect((await guard.authenticate(get({ authorization: `Bearer ${token}` }), { optional: true }))?.token).toBe(token)
  })
})

describe('query parameter (RFC 6750 §2.3)', () => {
  it('is ignored unless enabled', async () => {
    await expectBareChallenge(makeGuard().authenticate(get({}, `/orders?access_token=${token}`)))
  })

  const guard = makeGuard({ tokenLocations: ['header', 'query'] })

  it('is read when enabled', async () => {
    expect((await guard.authenticate(get({}, `/orders?x=1&access_token=${token}`))).token).toBe(token)
  })

  it('the header still works when query is enabled', async () => {
    expect((await guard.authenticate(get({ authorization: `Bearer ${token}` }, '/orders?x=1'))).token).toBe(token)
  })

  it('header and query together: token in more than one place', async () => {
    await expectInvalidRequest(
      guard.authenticate(get({ authorization: `Bearer ${token}` }, `/orders?access_token=${token}`)),
      'token sent in more than one place',
    )
  })

  it('two access_token parameters: 400', async () => {
    await expectInvalidRequest(
      guard.authenticate(get({}, `/?access_token=${token}&access_token=${token}`)),
      'multiple access_token parameters',
    )
  })

  it('empty or malformed parameter: 400', async () => {
    await expectInvalidRequest(guard.authenticate(get({}, '/?access_token=')), 'missing bearer token')
    await expectInvalidRequest(guard.authenticate(get({}, '/?access_token=a%20b')), 'malformed access_token parameter')
  })

  it('a parameter merely named like it is not a token', async () => {
    await expectBareChallenge(guard.authenticate(get({}, `/?my_access_token=${token}`)))
  })
})

describe('form body (RFC 6750 §2.2)', () => {
  const form = { 'content-type': 'application/x-www-form-urlencoded' }
  const post = (body: unknown, headers: BearerRequest['headers'] = form, method = 'POST'): BearerRequest => ({
    method,
    url: '/orders',
    headers,
    body,
  })

  it('is ignored unless enabled', async () => {
    await expectBareChallenge(makeGuard().authenticate(post({ access_token: token })))
  })

  const guard = makeGuard({ tokenLocations: ['header', 'body'] })

  it('is read from a urlencoded POST, charset parameter and case notwithstanding', async () => {
    expect((await guard.authenticate(post({ access_token: token }))).token).toBe(token)
    const charset = { 'content-type': 'Application/X-WWW-Form-Urlencoded; charset=UTF-8' }
    expect((await guard.authenticate(post({ access_token: token }, charset))).token).toBe(token)
  })

  it('is ignored on GET, and with another content type', async () => {
    await expectBareChallenge(guard.authenticate(post({ access_token: token }, form, 'GET')))
    await expectBareChallenge(guard.authenticate(post({ access_token: token }, { 'content-type': 'application/json' })))
    await expectBareChallenge(guard.authenticate(post({ access_token: token }, {})))
  })

  it('header and body together: 400', async () => {
    await expectInvalidRequest(
      guard.authenticate(post({ access_token: token }, { ...form, authorization: `Bearer ${token}` })),
      'token sent in more than one place',
    )
  })

  it('a repeated parameter (parsed as an array): 400', async () => {
    await expectInvalidRequest(guard.authenticate(post({ access_token: [token, token] })), 'multiple access_token parameters')
  })

  it('query and body together: 400', async () => {
    const both = makeGuard({ tokenLocations: ['header', 'query', 'body'] })
    await expectInvalidRequest(
      both.authenticate({ method: 'POST', url: `/?access_token=${token}`, headers: form, body: { access_token: token } }),
      'token sent in more than one place',
    )
  })
})

describe('token size', () => {
  it('refuses tokens above maxTokenLength before parsing', async () => {
    const guard = makeGuard({ maxTokenLength: 100 })
    const error = await rejection(guard.authenticate(get({ authorization: `Bearer ${'a'.repeat(101)}` })))
    expect(error.description).toBe('token too large')
    expect(error.status).toBe(401)
  })
})

describe('through a real HTTP server', async () => {
  const guard = makeGuard({ tokenLocations: ['header', 'body'] })
  let server: Server
  let port = 0

  beforeAll(async () => {
    server = createServer(async (req, res) => {
      try {
        const body = await readForm(req)
        const auth = await guard.authenticate({
          method: req.method ?? 'GET',
          url: req.url ?? '/',
          headers: req.headers,
          rawHeaders: req.rawHeaders,
          body,
        })
        send(res, 200, {}, { sub: auth.subject })
      } catch (error) {
        const e = error as { status: number; headers: Record<string, string>; toJSON(): unknown }
        send(res, e.status, e.headers, e)
      }
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    port = (server.address() as AddressInfo).port
  })
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

  it('accepts a good header', async () => {
    const res = await raw(port, ['GET / HTTP/1.1', 'Host: x', `Authorization: Bearer ${token}`])
    expect(res.status).toBe(200)
    expect(res.body).toBe('{"sub":"test-client"}')
  })

  it('two Authorization headers on the wire: 400, though Node keeps only the first in req.headers', async () => {
    const res = await raw(port, ['GET / HTTP/1.1', 'Host: x', `Authorization: Bearer ${token}`, 'Authorization: Basic eA=='])
    expect(res.status).toBe(400)
    expect(res.headers['www-authenticate']).toBe('Bearer error="invalid_request", error_description="multiple authorization headers"')
  })

  it('no credentials on the wire: 401, bare challenge', async () => {
    const res = await raw(port, ['GET / HTTP/1.1', 'Host: x'])
    expect(res.status).toBe(401)
    expect(res.headers['www-authenticate']).toBe('Bearer')
    expect(res.body).toBe('{"error":"unauthorized","error_description":"bearer token required"}')
  })

  it('form body token on the wire, and header plus body: 400', async () => {
    const body = `access_token=${token}`
    const form = ['Content-Type: application/x-www-form-urlencoded', `Content-Length: ${body.length}`]
    const ok = await raw(port, ['POST / HTTP/1.1', 'Host: x', ...form], body)
    expect(ok.status).toBe(200)
    const both = await raw(port, ['POST / HTTP/1.1', 'Host: x', `Authorization: Bearer ${token}`, ...form], body)
    expect(both.status).toBe(400)
    expect(both.headers['www-authenticate']).toBe('Bearer error="invalid_request", error_description="token sent in more than one place"')
  })
})

function send(res: ServerResponse, status: number, headers: Record<string, string>, value: unknown): void {
  const body = JSON.stringify(value)
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body)
}

async function readForm(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  if (chunks.length === 0) return undefined
  const params = new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
  const out: Record<string, string | string[]> = {}
  for (const key of new Set(params.keys())) {
    const all = params.getAll(key)
    out[key] = all.length === 1 ? (all[0] as string) : all
  }
  return out
}

/** Sends exact request bytes (so duplicate headers survive) and parses the response head. */
function raw(port: number, head: string[], body = ''): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let data = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => {
      data += chunk
    })
    socket.on('error', reject)
    socket.on('end', () => {
      const [headPart = '', ...rest] = data.split('\r\n\r\n')
      const [statusLine = '', ...lines] = headPart.split('\r\n')
      const headers: Record<string, string> = {}
      for (const line of lines) {
        const colon = line.indexOf(':')
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim()
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') })
    })
    socket.write(`${[...head, 'Connection: close'].join('\r\n')}\r\n\r\n${body}`)
  })
}
