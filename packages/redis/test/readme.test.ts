/** The README's two examples, run as written against a real redis-server (skipped like the other Redis tests). */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { createDpopKey, createTestIssuer } from '@bearer-guard/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RedisServer, redisServerAvailable, startRedisServer } from './redis-server.js'

const readme = await readFile(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8')

async function extract(name: string): Promise<string> {
  const start = readme.indexOf(`\`\`\`js\n// ${name}`)
  expect(start).toBeGreaterThanOrEqual(0)
  const file = fileURLToPath(new URL(`./.readme-${name}`, import.meta.url))
  await writeFile(file, readme.slice(start + 6, readme.indexOf('```', start + 6)))
  return file
}

describe.runIf(redisServerAvailable())('README examples', () => {
  let redis: RedisServer
  const children: ChildProcess[] = []
  beforeAll(async () => {
    redis = await startRedisServer()
  })
  afterAll(async () => {
    for (const child of children) child.kill()
    await redis?.stop()
  })

  it('node-redis.mjs prints true false', { timeout: 60_000 }, async () => {
    const file = await extract('node-redis.mjs')
    try {
      const { stdout } = await promisify(execFile)(process.execPath, [file], {
        env: { ...process.env, REDIS_URL: redis.url },
        timeout: 20_000,
      })
      expect(stdout.trim()).toBe('true false')
    } finally {
      await rm(file, { force: true })
    }
  })

  it('server.mjs: two instances on one Redis refuse a proof replayed from one to the other', { timeout: 60_000 }, async () => {
    const as = await createTestIssuer({ alg: 'ES256' })
    const file = await extract('server.mjs')
    try {
      const ports: string[] = []
      for (let i = 0; i < 2; i++) {
        const child = spawn(process.execPath, [file], {
          env: { ...process.env, REDIS_URL: redis.url, ISSUER: as.issuer, AUDIENCE: as.audience, PORT: '0' },
          stdio: ['ignore', 'pipe', 'inherit'],
        })
        children.push(child)
        ports.push(
          await new Promise<string>((resolve, reject) => {
            let out = ''
            child.stdout?.on('data', (chunk: Buffer) => {
              out += chunk.toString('utf8')
              const match = /listening on (\d+)/.exec(out)
              if (match) resolve(match[1] as string)
            })
            child.once('exit', (code) => reject(new Error(`server.mjs exited with ${code}`)))
          }),
        )
      }
      const key = await createDpopKey('ES256')
      const token = await as.sign({ cnf: { jkt: key.jkt } })
      const headers = await key.headers(token, { method: 'GET', url: 'https://api.example.com/reports' })
      const first = await fetch(`http://127.0.0.1:${ports[0]}/reports`, { headers })
      expect(first.status).toBe(200)
      expect(await first.json()).toEqual({ client: 'test-client' })
      const replayed = await fetch(`http://127.0.0.1:${ports[1]}/reports`, { headers })
      expect(replayed.status).toBe(401)
      expect(replayed.headers.get('www-authenticate')).toContain('error_description="DPoP proof replayed"')
    } finally {
      await rm(file, { force: true })
      await as.close()
    }
  })

  it('introspection.mjs: two instances on one Redis introspect a token once', { timeout: 60_000 }, async () => {
    const as = await createTestIssuer()
    const file = await extract('introspection.mjs')
    try {
      const token = as.issueOpaque({ client_id: 'reports-cron' })
      const env = {
        ...process.env,
        REDIS_URL: redis.url,
        ISSUER: as.issuer,
        AUDIENCE: as.audience,
        INTROSPECTION_ENDPOINT: as.introspectionEndpoint,
        CLIENT_SECRET: 'resource-server-secret',
        TOKEN: token,
      }
      for (let i = 0; i < 2; i++) {
        const { stdout } = await promisify(execFile)(process.execPath, [file], { env, timeout: 20_000 })
        expect(stdout.trim()).toBe('reports-cron')
      }
      expect(as.introspectionRequests).toBe(1)
    } finally {
      await rm(file, { force: true })
      await as.close()
    }
  })
})
