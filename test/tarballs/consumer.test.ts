/**
 * The packages as a user gets them: installed with npm from the packed tarballs into an app outside the
 * workspace (see global-setup.ts), then imported, required, compiled with TypeScript, and serving real
 * requests in every framework version the peer ranges claim.
 */
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, inject, it } from 'vitest'
import { frameworkVersions } from './versions.js'

const run = promisify(execFile)
const app = inject('scratchApp')
const packageNames = inject('packageNames')

async function node(script: string, ...args: string[]): Promise<unknown> {
  const { stdout, stderr } = await run(process.execPath, [script, ...args], { cwd: app, timeout: 120_000 })
  // require(esm) is unflagged on every supported Node.js version: no ExperimentalWarning may appear.
  expect(stderr).not.toMatch(/Warning/)
  return JSON.parse(stdout)
}

/** Both TypeScript projects compiled by one tsc run (see app/tsconfig.json), started once, awaited by both tests. */
let compiled: Promise<unknown> | undefined
function compileTypeScript(): Promise<unknown> {
  compiled ??= run(process.execPath, [join(app, 'node_modules/typescript/bin/tsc'), '-p', '.'], { cwd: app, timeout: 240_000 }).catch(
    (error: { stdout?: string }) => {
      throw new Error(`tsc failed in the scratch app:\n${error.stdout ?? String(error)}`)
    },
  )
  return compiled
}

describe.concurrent('installed from the tarballs', () => {
  it('packs every public package', () => {
    expect(packageNames).toEqual(
      expect.arrayContaining([
        '@bearer-guard/core',
        '@bearer-guard/express',
        '@bearer-guard/fastify',
        '@bearer-guard/koa',
        '@bearer-guard/testing',
      ]),
    )
  })

  it('ESM: import of every package gives its exports', async () => {
    const result = (await node('esm.mjs', JSON.stringify(packageNames))) as Record<string, Record<string, string>>
    expect(Object.keys(result).sort()).toEqual(packageNames)
    expect(result['@bearer-guard/core']).toMatchObject({ createGuard: 'function', requireScopes: 'function', BearerError: 'function' })
    expect(result['@bearer-guard/express']).toMatchObject({ bearerAuth: 'function', requireScopes: 'function' })
    expect(result['@bearer-guard/koa']).toMatchObject({ bearerAuth: 'function', requireScopes: 'function' })
    expect(result['@bearer-guard/fastify']).toMatchObject({ default: 'function', bearerAuth: 'function' })
    expect(result['@bearer-guard/testing']).toMatchObject({ createTestIssuer: 'function' })
  })

  it('CommonJS: require() of every package gives the same exports as import, with no warning', async () => {
    const [esm, cjs] = await Promise.all([node('esm.mjs', JSON.stringify(packageNames)), node('cjs.cjs', JSON.stringify(packageNames))])
    for (const name of packageNames) {
      // require() returns the namespace; Node adds __esModule when there is a default export (fastify).
      const { __esModule, ...exports } = (cjs as Record<string, Record<string, string>>)[name] as Record<string, string>
      expect(exports, name).toEqual((esm as Record<string, unknown>)[name])
      if ('default' in exports) expect(__esModule).toBe('boolean')
    }
  })

  it('TypeScript nodenext, CommonJS project (tsc -p .): compiles, then runs (Express and Fastify behind the guard)', async () => {
    await compileTypeScript()
    expect(await node('ts-cjs/src/main.js')).toEqual({
      moduleSystem: 'commonjs',
      express: { ok: 200, body: { client: 'ts-cjs' }, none: 401 },
      fastify: { ok: 200, body: { client: 'ts-cjs' }, sameExport: true },
    })
  })

  it('TypeScript nodenext, ESM project (tsc -p .): compiles, then runs (core and Koa)', async () => {
    await compileTypeScript()
    expect(await node('ts-esm/src/main.js')).toEqual({
      moduleSystem: 'esm',
      core: { client: 'ts-esm', denied: 403 },
      koa: { ok: 200, body: { client: 'ts-esm' }, none: 401 },
    })
  })

  it('every claimed framework version (lower bound and latest of each major) answers 200 / 401 / 403', async () => {
    const variants = Object.entries(frameworkVersions).map(([alias, { framework }]) => [alias, framework])
    const result = (await node('smoke.mjs', JSON.stringify(variants))) as Record<string, { version: string }>
    for (const [alias, { range }] of Object.entries(frameworkVersions)) {
      const { version, ...answers } = result[alias] as { version: string }
      if (/^\d/.test(range)) expect(version, alias).toBe(range)
      else expect(version.split('.')[0], alias).toBe(range.slice(1).split('.')[0])
      expect(answers, `${alias}@${version}`).toEqual({ ok: 200, body: { client: 'smoke' }, none: 401, challenge: 'Bearer', scope: 403 })
    }
  })
})
