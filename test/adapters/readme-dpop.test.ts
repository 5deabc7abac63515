/** The root README's DPoP example, run as written: its printed lines must be the ones its comments show. */
import { execFile } from 'node:child_process'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { expect, it } from 'vitest'

it('README dpop.mjs prints what its comments say', { timeout: 60_000 }, async () => {
  const readme = await readFile(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8')
  const start = readme.indexOf('```js\n// dpop.mjs')
  expect(start).toBeGreaterThanOrEqual(0)
  const code = readme.slice(start + 6, readme.indexOf('```', start + 6))
  // Next to this test, so the package imports resolve from the workspace.
  const file = fileURLToPath(new URL('./.readme-dpop.mjs', import.meta.url))
  await writeFile(file, code)
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [file], { timeout: 50_000 })
    const expected = [
      '200 {"client":"test-client","bound":true}',
      '401 DPoP error="invalid_dpop_proof", error_description="DPoP proof replayed", algs="ES256 EdDSA"',
      '401 DPoP error="invalid_token", error_description="DPoP-bound token and proof required", algs="ES256 EdDSA"',
    ]
    expect(stdout.trimEnd().split('\n')).toEqual(expected)
    for (const line of expected) expect(code).toContain(`// ${line}`)
  } finally {
    await rm(file, { force: true })
  }
})
