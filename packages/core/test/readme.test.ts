/** Runs the README's two examples as child processes, so the documentation cannot drift from the code. */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { createTestIssuer } from '@bearer-guard/testing'
import { afterAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const readme = await readFile(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8')

/** The ```js block whose first line is `// <name>`, written next to this test so package imports resolve. */
async function extract(name: string): Promise<string> {
  const start = readme.indexOf(`\`\`\`js\n// ${name}`)
  expect(start).toBeGreaterThanOrEqual(0)
  const code = readme.slice(start + 6, readme.indexOf('```', start + 6))
  const file = fileURLToPath(new URL(`./.readme-${name}`, import.meta.url))
  await writeFile(file, code)
  return file
}

describe('README', () => {
  it('try.mjs prints what its comments say', async () => {
    const file = await extract('try.mjs')
    try {
      const { stdout } = await run(process.execPath, [file], { timeout: 30_000 })
      const expected = [
        "reporting-job [ 'read:reports' ]",
        '403 Bearer error="insufficient_scope", error_description="insufficient scope", scope="write:reports"',
        '401 invalid_token token expired',
      ]
      expect(stdout.trimEnd().split('\n')).toEqual(expected)
      for (const line of expected) expect(readme).toContain(`// ${line}`)
    } finally {
      await rm(file, { force: true })
    }
  })

  describe('server.mjs', async () => {
    const as = await createTestIssuer({ alg: 'ES256' })
    let child: ChildProcess | undefined
    afterAll(async () => {
      child?.kill()
      await as.close()
    })

    it('answers 200, 401, 403 and 401 invalid_token with the documented challenges', async () => {
      const file = await extract('server.mjs')
      try {
        child = spawn(process.execPath, [file], {
          env: { ...process.env, ISSUER: as.issuer, AUDIENCE: as.audience, PORT: '0' },
          stdio: ['ignore', 'pipe', 'inherit'],
        })
        const origin = await new Promise<string>((resolve, reject) => {
          let out = ''
          child?.stdout?.on('data', (chunk: Buffer) => {
            out += chunk.toString('utf8')
            const match = /listening on (http:\/\/\S+)/.exec(out)
            if (match) resolve(match[1] as string)
          })
          child?.on('exit', (code) => reject(new Error(`server.mjs exited with ${code}`)))
        })
        const url = `${origin}/reports`
        const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } })

        const none = await fetch(url)
        expect(none.status).toBe(401)
        expect(none.headers.get('www-authenticate')).toBe('Bearer realm="reports-api"')

        const ok = await fetch(url, bearer(await as.sign({}, { scope: 'read:reports' })))
        expect(ok.status).toBe(200)
        expect(await ok.json()).toEqual({ client: 'test-client', scopes: ['read:reports'] })

        const scope = await fetch(url, bearer(await as.sign({}, { scope: 'write:reports' })))
        expect(scope.status).toBe(403)
        const challenge = scope.headers.get('www-authenticate')
        expect(challenge).toBe(
          'Bearer realm="reports-api", error="insufficient_scope", error_description="insufficient scope", scope="read:reports"',
        )
        expect(readme).toContain(`www-authenticate: ${challenge}`)

        const expired = await fetch(url, bearer(await as.sign({}, { scope: 'read:reports', expiresIn: -60 })))
        expect(expired.status).toBe(401)
        expect(expired.headers.get('www-authenticate')).toBe(
          'Bearer realm="reports-api", error="invalid_token", error_description="token expired"',
        )
        expect(await expired.text()).toBe('{"error":"invalid_token","error_description":"token expired"}')
      } finally {
        await rm(file, { force: true })
      }
    })
  })
})
