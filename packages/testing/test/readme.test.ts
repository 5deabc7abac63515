/** Runs the README's example with `node --test`, so the documentation cannot drift from the code. */
import { execFile } from 'node:child_process'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { expect, it } from 'vitest'

const run = promisify(execFile)

it('the README example passes under node --test', async () => {
  const readme = await readFile(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8')
  const block = /```js\n(\/\/ api\.test\.mjs[^\n]*\n[\s\S]*?)```/.exec(readme)?.[1]
  expect(block).toBeDefined()
  // Inside the package, so `@bearer-guard/*` resolve as they would for a user who installed them.
  const file = fileURLToPath(new URL('./.readme-api.test.mjs', import.meta.url))
  await writeFile(file, block as string)
  try {
    const { stdout } = await run(process.execPath, ['--test', '--test-reporter=tap', file], { timeout: 30_000 })
    expect(stdout).toMatch(/^# tests 4$/m)
    expect(stdout).toMatch(/^# pass 4$/m)
    expect(stdout).toMatch(/^# fail 0$/m)
  } finally {
    await rm(file, { force: true })
  }
})
