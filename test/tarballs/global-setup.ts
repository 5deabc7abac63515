/**
 * Shared setup for the tarball checks: pack every public package the way `pnpm publish` would (prepack
 * builds, `workspace:` ranges become versions), then `npm install` the tarballs with every framework
 * version the adapters claim into one scratch app outside the workspace. The install is keyed by the
 * tarballs' bytes and the dependency list, so the Node 22 and 24 runs of CI reuse the Node 20 run's app.
 * Delete `$TMPDIR/bearer-guard-scratch-*` to force a fresh install.
 */
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { cp, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { gunzipSync } from 'node:zlib'
import type { TestProject } from 'vitest/node'
import { frameworkVersions, toolDependencies } from './versions.js'

const run = promisify(execFile)
const root = fileURLToPath(new URL('../../', import.meta.url))

declare module 'vitest' {
  export interface ProvidedContext {
    /** Absolute path of the scratch app (its node_modules holds the installed tarballs). */
    scratchApp: string
    /** Absolute paths of the packed tarballs. */
    tarballs: string[]
    /** Package names of the packed tarballs. */
    packageNames: string[]
  }
}

/** pnpm as the test command was started with it (`npx -y pnpm@… test`), else the pinned version via npx. */
function pnpmCommand(): [string, string[]] {
  const execPath = process.env.npm_execpath
  if (execPath && /pnpm/.test(execPath)) return [process.execPath, [execPath]]
  return ['npx', ['-y', 'pnpm@10.34.9']]
}

async function packAll(destination: string): Promise<string[]> {
  const [command, prefix] = pnpmCommand()
  await run(command, [...prefix, '--recursive', '--filter', './packages/*', 'pack', '--pack-destination', destination], {
    cwd: root,
    maxBuffer: 16 * 1024 * 1024,
  })
  return (await readdir(destination)).filter((file) => file.endsWith('.tgz')).map((file) => join(destination, file))
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  )
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const packDir = await mkdtemp(join(tmpdir(), 'bearer-guard-tarballs-'))
  const tarballs = (await packAll(packDir)).sort()
  const names: Record<string, string> = {}
  const hash = createHash('sha256').update(JSON.stringify({ frameworkVersions, toolDependencies }))
  for (const tarball of tarballs) {
    const { stdout } = await run('tar', ['-xOzf', tarball, 'package/package.json'])
    const manifest = JSON.parse(stdout) as { name: string }
    names[manifest.name] = `file:./tarballs/${tarball.slice(packDir.length + 1)}`
    // The tar inside, not the gzip around it: zlib's output differs between Node.js versions.
    hash.update(gunzipSync(await readFile(tarball)))
  }

  const app = join(tmpdir(), `bearer-guard-scratch-${hash.digest('hex').slice(0, 16)}`)
  if (!(await exists(join(app, 'node_modules', '.installed')))) {
    const staging = await mkdtemp(join(tmpdir(), 'bearer-guard-scratch-staging-'))
    await cp(packDir, join(staging, 'tarballs'), { recursive: true })
    const dependencies = { ...names, ...toolDependencies }
    for (const [alias, { framework, range }] of Object.entries(frameworkVersions)) {
      dependencies[alias] = alias === framework ? range : `npm:${framework}@${range}`
    }
    // No "type": a plain package.json is CommonJS, the case that broke before.
    await writeFile(join(staging, 'package.json'), JSON.stringify({ name: 'scratch-app', private: true, dependencies }, null, 2))
    await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', '--engine-strict=false'], {
      cwd: staging,
      maxBuffer: 16 * 1024 * 1024,
      timeout: 300_000,
    })
    await writeFile(join(staging, 'node_modules', '.installed'), new Date().toISOString())
    await rm(app, { recursive: true, force: true })
    await rename(staging, app)
  }
  // The consumer programs are copied fresh each run (cheap); only the install is reused.
  await mkdir(app, { recursive: true })
  await cp(fileURLToPath(new URL('./app/', import.meta.url)), app, { recursive: true })

  project.provide('scratchApp', app)
  project.provide('tarballs', tarballs)
  project.provide('packageNames', Object.keys(names).sort())
  return async () => {
    await rm(packDir, { recursive: true, force: true })
  }
}
