/** The README's diagnostics-channel example, run as a child process; its output is what its comments say. */
import { execFile } from 'node:child_process'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { expect, it } from 'vitest'

const run = promisify(execFile)

it('README channels.mjs prints what its comments say', async () => {
  const readme = await readFile(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8')
  const start = readme.indexOf('```js\n// channels.mjs')
  expect(start).toBeGreaterThanOrEqual(0)
  const code = readme.slice(start + 6, readme.indexOf('```', start + 6))
  const file = fileURLToPath(new URL('./.readme-channels.mjs', import.meta.url))
  await writeFile(file, code)
  try {
    const { stdout } = await run(process.execPath, [file], { timeout: 30_000 })
    const expected = code
      .trimEnd()
      .split('\n')
      .filter((line) => line.startsWith('// ') && !line.startsWith('// channels.mjs'))
      .map((line) => line.slice(3))
    expect(expected).toHaveLength(3)
    expect(stdout.trimEnd().split('\n')).toEqual(expected)
  } finally {
    await rm(file, { force: true })
  }
})
