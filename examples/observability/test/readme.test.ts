/**
 * The README's three wiring snippets, run as written inside a real Fastify app (a child process, ESM):
 * the app around them is the only code added, so the snippets cannot drift from the recipes.
 */
import { execFile } from 'node:child_process'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { expect, it } from 'vitest'

const run = promisify(execFile)

it('the README snippets wire up OpenTelemetry, Prometheus and pino', async () => {
  const readme = await readFile(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8')
  const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => (m[1] as string).replaceAll("from './", "from '../dist/"))
  expect(blocks).toHaveLength(3)
  const imports = blocks.flatMap((b) => b.split('\n').filter((l) => l.startsWith('import ')))
  const body = blocks.map((b) =>
    b
      .split('\n')
      .filter((l) => !l.startsWith('import '))
      .join('\n'),
  )
  const program = [
    "import Fastify from 'fastify'",
    "import bearerAuth from '@bearer-guard/fastify'",
    "import { createTestIssuer } from '@bearer-guard/testing'",
    "import { Writable } from 'node:stream'",
    "import pino from 'pino'",
    ...imports,
    'const as = await createTestIssuer()',
    'const logged = []',
    'const stream = new Writable({ write(chunk, _e, done) { logged.push(chunk.toString()); done() } })',
    'const app = Fastify({ loggerInstance: pino(stream) })',
    'await app.register(bearerAuth, { issuer: as.issuer, audience: as.audience })',
    ...body,
    "app.get('/me', async (request) => ({ client: request.auth.clientId }))",
    "const url = await app.listen({ port: 0, host: '127.0.0.1' })",
    "const ok = await fetch(url + '/me', { headers: { authorization: 'Bearer ' + (await as.sign()) } })",
    "const expired = await fetch(url + '/me', { headers: { authorization: 'Bearer ' + (await as.sign({}, { expiresIn: -60 })) } })",
    "const text = await (await fetch(url + '/metrics')).text()",
    'console.log(ok.status, expired.status)',
    "console.log(text.split('\\n').filter((l) => l.startsWith('bearer_guard_rejections_total')).join('\\n'))",
    'console.log(logged.some((l) => l.includes(\'"reason":"token_expired"\')))',
    'await app.close()',
    'await as.close()',
  ].join('\n')
  const file = fileURLToPath(new URL('./.readme-wiring.mjs', import.meta.url))
  await writeFile(file, program)
  try {
    const { stdout } = await run(process.execPath, [file], { timeout: 60_000 })
    expect(stdout.trimEnd().split('\n')).toEqual([
      '200 401',
      'bearer_guard_rejections_total{reason="token_expired",code="invalid_token"} 1',
      'true',
    ])
  } finally {
    await rm(file, { force: true })
  }
})
