/**
 * Each adapter README's "Example" block, run as written (ESM, in its package directory) against a test
 * issuer found by discovery, so the READMEs cannot drift from the packages.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { createTestIssuer, type TestIssuer } from '@bearer-guard/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { send } from './http.js'

let issuer: TestIssuer
beforeAll(async () => {
  issuer = await createTestIssuer()
})
afterAll(() => issuer?.close())

function exampleOf(pkg: string): string {
  const readme = readFileSync(fileURLToPath(new URL(`../../packages/${pkg}/README.md`, import.meta.url)), 'utf8')
  const block = /## Example\n+```js\n([\s\S]*?)```/.exec(readme)
  if (!block?.[1]) throw new Error(`no example in ${pkg}/README.md`)
  return block[1]
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

async function waitForHealth(url: string, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    if (child.exitCode !== null) throw new Error(`example exited with ${child.exitCode}`)
    try {
      if ((await send(`${url}/health`)).status === 200) return
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  throw new Error('example did not start')
}

describe.each(['express', 'koa', 'fastify'])('%s README example', (pkg) => {
  it('runs and answers as documented', async () => {
    const port = await freePort()
    const code = exampleOf(pkg).replaceAll('3000', String(port))
    const child = spawn(process.execPath, ['--input-type=module', '--eval', code], {
      cwd: fileURLToPath(new URL(`../../packages/${pkg}/`, import.meta.url)),
      env: { ...process.env, ISSUER: issuer.issuer, AUDIENCE: issuer.audience, NODE_ENV: 'test' },
      stdio: 'ignore',
    })
    try {
      const url = `http://127.0.0.1:${port}`
      await waitForHealth(url, child)
      const token = async (scope: string) => ({ authorization: `Bearer ${await issuer.sign({}, { scope })}` })

      const none = await send(`${url}/reports`)
      expect(none.status).toBe(401)
      expect(none.headers['www-authenticate']).toBe('Bearer realm="example-api"')
      const wrong = await send(`${url}/reports`, { headers: await token('profile') })
      expect(wrong.status).toBe(403)
      expect(wrong.headers['www-authenticate']).toBe(
        'Bearer realm="example-api", error="insufficient_scope", error_description="insufficient scope", scope="read:reports"',
      )
      expect((await send(`${url}/reports`, { headers: await token('read:reports') })).json()).toEqual([{ id: 1, title: 'Q3' }])
      expect((await send(`${url}/me`, { headers: await token('a b') })).json()).toEqual({ client: 'test-client', scopes: ['a', 'b'] })
      expect((await send(`${url}/reports/1`, { method: 'DELETE', headers: await token('admin') })).status).toBe(204)
      expect((await send(`${url}/reports/1`, { method: 'DELETE', headers: await token('read:reports') })).status).toBe(403)
    } finally {
      child.kill()
    }
  })
})
