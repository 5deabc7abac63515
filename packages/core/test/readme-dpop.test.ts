/** The README's DPoP example, run as written: its printed lines must be the ones its comments show. */
import { execFile } from 'node:child_process'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { expect, it } from 'vitest'

it('README dpop-core.mjs prints what its comments say', { timeout: 60_000 }, async () => {
  const readme = await readFile(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8')
  const start = readme.indexOf('```js\n// dpop-core.mjs')
  expect(start).toBeGreaterThanOrEqual(0)
  const code = readme.slice(start + 6, readme.indexOf('```', start + 6))
  const file = fileURLToPath(new URL('./.readme-dpop-core.mjs', import.meta.url))
  await writeFile(file, code)
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [file], { timeout: 50_000 })
    const expected = [
      '401 Bearer, DPoP error="use_dpop_nonce", error_description="resource server requires nonce in DPoP proof", algs="ES256"',
      '200 hello test-client, key bound',
    ]
    expect(stdout.trimEnd().split('\n')).toEqual(expected)
    for (const line of expected) expect(code).toContain(`// ${line}`)
  } finally {
    await rm(file, { force: true })
  }
})
