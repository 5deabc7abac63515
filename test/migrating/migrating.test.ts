/**
 * Runs every before/after pair of MIGRATING.md against one real issuer on 127.0.0.1 and asserts the
 * behaviour the guide describes: the same answer for a good token, and the listed differences for the
 * rest. The code blocks are written under bench/ (whose devDependencies hold the peers, at the versions
 * the benchmark compares) and imported from there, exactly as printed.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { createTestIssuer, type TestIssuer } from '@bearer-guard/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../../', import.meta.url))
const outDir = `${root}bench/.migrating/`

type Framework = 'express' | 'koa' | 'fastify'
interface Outcome {
  status: number
  challenge: string | null
  body: unknown
}
interface Answers {
  good: Outcome
  none: Outcome
  expired: Outcome
  otherAudience: Outcome
  weakScope: Outcome
  jwksDown: Outcome
}

const peers: Record<string, Framework> = {
  'express-oauth2-jwt-bearer': 'express',
  'express-jwt': 'express',
  'fastify-jwt': 'fastify',
  'koa-jwt': 'koa',
}

interface AppModule {
  createApp(config: { issuer: string; audience: string; jwksUri: string }): unknown
}

async function listen(framework: Framework, app: unknown): Promise<{ origin: string; close: () => Promise<void> }> {
  if (framework === 'fastify') {
    const fastify = app as { listen(o: object): Promise<string>; close(): Promise<void> }
    const origin = await fastify.listen({ port: 0, host: '127.0.0.1' })
    return { origin, close: () => fastify.close() }
  }
  const server = (app as { listen(port: number, host: string): Server }).listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

async function call(origin: string, token?: string): Promise<Outcome> {
  const res = await fetch(`${origin}/reports`, token ? { headers: { authorization: `Bearer ${token}` } } : {})
  const text = await res.text()
  let body: unknown = text
  try {
    body = JSON.parse(text)
  } catch {}
  return { status: res.status, challenge: res.headers.get('www-authenticate'), body }
}

// Shared by every app (each builds its own verifier and cache): one issuer that works, one whose JWKS
// endpoint answers 500 (discovery still answers), so each app meets the outage on a cold start.
let issuer: TestIssuer
let down: TestIssuer
const tokens: Record<'good' | 'expired' | 'otherAudience' | 'weakScope' | 'jwksDown', string> = {
  good: '',
  expired: '',
  otherAudience: '',
  weakScope: '',
  jwksDown: '',
}

async function answers(file: string, framework: Framework): Promise<Answers> {
  const { createApp } = (await import(pathToFileURL(`${outDir}${file}`).href)) as AppModule
  const run = async <T>(from: TestIssuer, requests: (origin: string) => Promise<T>): Promise<T> => {
    const app = await listen(framework, await createApp({ issuer: from.issuer, audience: from.audience, jwksUri: from.jwksUri }))
    try {
      return await requests(app.origin)
    } finally {
      await app.close()
    }
  }
  const [normal, jwksDown] = await Promise.all([
    run(issuer, async (origin) => ({
      good: await call(origin, tokens.good),
      none: await call(origin),
      expired: await call(origin, tokens.expired),
      otherAudience: await call(origin, tokens.otherAudience),
      weakScope: await call(origin, tokens.weakScope),
    })),
    run(down, (origin) => call(origin, tokens.jwksDown)),
  ])
  return { ...normal, jwksDown }
}

beforeAll(async () => {
  ;[issuer, down] = await Promise.all([createTestIssuer(), createTestIssuer()])
  tokens.good = await issuer.sign({ client_id: 'reporting-job' }, { scope: 'read:reports' })
  tokens.expired = await issuer.sign({}, { scope: 'read:reports', expiresIn: -60 })
  tokens.otherAudience = await issuer.sign({ aud: 'https://other.example' }, { scope: 'read:reports' })
  tokens.weakScope = await issuer.sign({ client_id: 'reporting-job' }, { scope: 'write:reports' })
  tokens.jwksDown = await down.sign({ client_id: 'reporting-job' }, { scope: 'read:reports' })
  down.fail('http-500')
  const guide = await readFile(`${root}MIGRATING.md`, 'utf8')
  const blocks = [...guide.matchAll(/```js\n\/\/ migrating\/([\w.-]+\.mjs)\n([\s\S]*?)```/g)]
  expect(blocks.map((block) => block[1]).sort()).toEqual(
    Object.keys(peers)
      .flatMap((peer) => [`${peer}.after.mjs`, `${peer}.before.mjs`])
      .sort(),
  )
  await mkdir(outDir, { recursive: true })
  for (const [, name, code] of blocks) await writeFile(`${outDir}${name}`, code as string)
})

afterAll(async () => {
  await Promise.all([issuer?.close(), down?.close()])
  await rm(outDir, { recursive: true, force: true })
})

const ok = { status: 200, challenge: null, body: { client: 'reporting-job' } }
const after = {
  good: ok,
  none: { status: 401, challenge: 'Bearer', body: { error: undefined } },
  expired: { status: 401, challenge: 'Bearer error="invalid_token", error_description="token expired"' },
  otherAudience: { status: 401, challenge: 'Bearer error="invalid_token", error_description="unexpected audience"' },
  weakScope: { status: 403, challenge: 'Bearer error="insufficient_scope", error_description="insufficient scope", scope="read:reports"' },
  jwksDown: { status: 503, challenge: null },
}

// [status, sends WWW-Authenticate] per request, as measured and as MIGRATING.md's tables state.
const before: Record<string, Record<keyof Answers, [number, boolean]>> = {
  'express-oauth2-jwt-bearer': {
    good: [200, false],
    none: [401, true],
    expired: [401, true],
    otherAudience: [401, true],
    weakScope: [403, true],
    jwksDown: [401, true],
  },
  'express-jwt': {
    good: [200, false],
    none: [401, false],
    expired: [401, false],
    otherAudience: [401, false],
    weakScope: [200, false], // no scope check of its own
    jwksDown: [500, false],
  },
  'fastify-jwt': {
    good: [200, false],
    none: [401, false],
    expired: [401, false],
    otherAudience: [401, false],
    weakScope: [200, false],
    jwksDown: [500, false],
  },
  'koa-jwt': {
    good: [200, false],
    none: [401, false],
    expired: [401, false],
    otherAudience: [401, false],
    weakScope: [200, false],
    jwksDown: [401, false],
  },
}

describe.concurrent.each(Object.entries(peers))('%s', (peer, framework) => {
  it('after: RFC 6750 answers, 403 for a missing scope, 503 for a JWKS outage', async () => {
    const result = await answers(`${peer}.after.mjs`, framework)
    expect(result.good).toEqual(ok)
    for (const key of ['none', 'expired', 'otherAudience', 'weakScope', 'jwksDown'] as const) {
      expect(result[key], key).toMatchObject({ status: after[key].status, challenge: after[key].challenge })
    }
  }, 90_000)

  it('before: the same 200 for a good token; the differences MIGRATING.md lists', async () => {
    const result = await answers(`${peer}.before.mjs`, framework)
    expect(result.good).toEqual(ok)
    const seen = Object.fromEntries(
      Object.entries(result).map(([key, outcome]) => [key, [(outcome as Outcome).status, (outcome as Outcome).challenge !== null]]),
    )
    expect(seen).toEqual(before[peer])
  }, 90_000)
})
