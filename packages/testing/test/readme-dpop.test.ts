/** The README's DPoP example, run with `node --test` as written. */
import { execFile } from 'node:child_process'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { expect, it } from 'vitest'

it('the README DPoP example passes under node --test', { timeout: 60_000 }, async () => {
  const readme = await readFile(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8')
  const block = /```js\n(\/\/ dpop\.test\.mjs[^\n]*\n[\s\S]*?)```/.exec(readme)?.[1]
  expect(block).toBeDefined()
  const file = fileURLToPath(new URL('./.readme-dpop.test.mjs', import.meta.url))
  await writeFile(file, block as string)
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ['--test', '--test-reporter=tap', file], { timeout: 50_000 })
    expect(stdout).toMatch(/^# pass 1$/m)
    expect(stdout).toMatch(/^# fail 0$/m)
  } finally {
    await rm(file, { force: true })
  }
})
