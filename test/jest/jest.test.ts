/**
 * Runs the Jest project next to this file (test/jest/*.test.mjs, *.test.cjs) with Jest 30 the way the
 * @bearer-guard/testing README says to, and requires every Jest test to pass: the README's claim about Jest
 * is checked on every Node.js version CI runs.
 */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { expect, it } from 'vitest'

const run = promisify(execFile)
const root = fileURLToPath(new URL('../../', import.meta.url))

interface JestReport {
  success: boolean
  numTotalTests: number
  numPassedTests: number
  testResults: { name: string; status: string; message: string }[]
}

it('the Jest project passes in Jest ESM mode (NODE_OPTIONS=--experimental-vm-modules)', async () => {
  const jest = fileURLToPath(new URL('../../node_modules/jest/bin/jest.js', import.meta.url))
  const { stdout } = await run(process.execPath, [jest, '--config', 'test/jest/jest.config.cjs', '--json', '--ci'], {
    cwd: root,
    env: { ...process.env, NODE_OPTIONS: '--experimental-vm-modules' },
    timeout: 120_000,
  }).catch((error: { stdout?: string; stderr?: string }) => {
    throw new Error(`jest failed:\n${error.stderr ?? ''}\n${error.stdout ?? ''}`)
  })
  const report = JSON.parse(stdout) as JestReport
  // Jest orders files by their last duration: compare sorted.
  expect(report.testResults.map((file) => [file.name.replace(/^.*\//, ''), file.status, file.message]).sort()).toEqual([
    ['api.test.mjs', 'passed', ''],
    ['require.test.cjs', 'passed', ''],
  ])
  expect(report.numTotalTests).toBe(5)
  expect(report.numPassedTests).toBe(5)
}, 130_000)
