/**
 * The root README's "Providers" and "Opaque tokens" snippets, type-checked as written (strict, against the
 * built packages) and run: each builds its guard without a network request, so a preset or option the
 * README misuses fails here.
 */
import { execFile } from 'node:child_process'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, expect, it } from 'vitest'

const run = promisify(execFile)
const readme = await readFile(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8')
const blocks = [...readme.matchAll(/```ts\n(\/\/ (?:providers|opaque): ([a-z0-9]+)\n[\s\S]*?)```/g)].map((m) => ({
  name: m[2] as string,
  code: m[1] as string,
}))
const files = blocks.map((b) => fileURLToPath(new URL(`./.readme-${b.name}.ts`, import.meta.url)))
afterAll(() => Promise.all(files.flatMap((f) => [rm(f, { force: true }), rm(f.replace(/\.ts$/, '.js'), { force: true })])))

it('has one snippet per preset and one for introspection', () => {
  expect(blocks.map((b) => b.name)).toEqual(['auth0', 'entra', 'okta', 'keycloak', 'cognito', 'introspection'])
})

it('type-checks strictly and runs (guards built, nothing fetched)', async () => {
  await Promise.all(blocks.map((b, i) => writeFile(files[i] as string, b.code)))
  const tsc = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url))
  const flags = [
    '--strict',
    '--module',
    'nodenext',
    '--moduleResolution',
    'nodenext',
    '--target',
    'es2022',
    '--types',
    'node',
    '--skipLibCheck',
  ]
  await run(process.execPath, [tsc, ...flags, ...files], { timeout: 60_000 })
  for (const file of files) {
    const { stderr } = await run(
      process.execPath,
      ['-e', `import(${JSON.stringify(file.replace(/\.ts$/, '.js'))}).then(() => process.exit(0))`],
      {
        env: { ...process.env, INTROSPECTION_SECRET: 'from-the-environment' },
      },
    )
    expect(stderr).toBe('')
  }
}, 90_000)
