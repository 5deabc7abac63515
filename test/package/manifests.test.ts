/**
 * Every public package (each non-private `packages/*`, including ones added later) follows the same
 * publishing pattern, described in CONTRIBUTING.md. A new package that forgets a piece fails here with
 * the field to add, before a user installs a tarball that cannot be `require()`d or ships build caches.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../../', import.meta.url))
const repositoryUrl = 'git+https://github.com/bearer-guard/bearer-guard.git'
/** require(esm) works unflagged from these versions on (the same range jose 6 states). */
const supportedNode = '^20.19.0 || ^22.12.0 || >=23'

interface Manifest {
  name: string
  version: string
  private?: boolean
  type?: string
  engines?: { node?: string }
  exports?: Record<string, unknown>
  files?: string[]
  scripts?: Record<string, string>
  repository?: { type?: string; url?: string; directory?: string }
  homepage?: string
  bugs?: { url?: string }
  license?: string
  peerDependencies?: Record<string, string>
  peerDependenciesMeta?: Record<string, { optional?: boolean }>
}

function readManifest(dir: string): Manifest {
  return JSON.parse(readFileSync(`${root}${dir}/package.json`, 'utf8')) as Manifest
}

const packageDirs = readdirSync(`${root}packages`).map((name) => `packages/${name}`)
const publicPackages = packageDirs.filter((dir) => existsSync(`${root}${dir}/package.json`) && !readManifest(dir).private)

it('finds the public packages', () => {
  expect(publicPackages.length).toBeGreaterThanOrEqual(5)
})

describe.each(publicPackages)('%s', (dir) => {
  const manifest = readManifest(dir)

  it('is ESM-only and requires a Node.js that loads ESM through require() unflagged', () => {
    expect(manifest.type).toBe('module')
    expect(manifest.engines?.node).toBe(supportedNode)
  })

  it('exports every entry point with `types` first and a `default` condition (import and require)', () => {
    const entries = Object.entries(manifest.exports ?? {}).filter(([subpath]) => subpath !== './package.json')
    expect(entries.length).toBeGreaterThan(0)
    for (const [subpath, target] of entries) {
      expect(typeof target, `exports["${subpath}"] must be an object of conditions`).toBe('object')
      const conditions = Object.keys(target as object)
      // `import`-only maps make require() fail with ERR_PACKAGE_PATH_NOT_EXPORTED; `default` serves both.
      expect(conditions, `exports["${subpath}"]`).toEqual(['types', 'default'])
      const { types, default: file } = target as { types: string; default: string }
      expect(types).toMatch(/^\.\/dist\/.+\.d\.ts$/)
      expect(file).toBe(types.replace(/\.d\.ts$/, '.js'))
    }
    expect(manifest.exports?.['./package.json']).toBe('./package.json')
  })

  it('ships dist without the build cache, and builds itself before packing', () => {
    expect(manifest.files).toEqual(expect.arrayContaining(['dist', '!dist/.tsbuildinfo', 'README.md', 'LICENSE']))
    expect(manifest.scripts?.prepack).toBe('tsc -b')
  })

  it('names its repository, homepage and issue tracker, and carries the license', () => {
    expect(manifest.repository).toEqual({ type: 'git', url: repositoryUrl, directory: dir })
    expect(manifest.homepage).toBe(`https://github.com/bearer-guard/bearer-guard/tree/main/${dir}#readme`)
    expect(manifest.bugs).toEqual({ url: 'https://github.com/bearer-guard/bearer-guard/issues' })
    expect(manifest.license).toBe('MIT')
    expect(readFileSync(`${root}${dir}/LICENSE`, 'utf8')).toBe(readFileSync(`${root}LICENSE`, 'utf8'))
  })

  it('is published publicly, with provenance (RELEASING.md)', () => {
    expect((manifest as { publishConfig?: unknown }).publishConfig).toEqual({ access: 'public', provenance: true })
  })

  it('has a changelog starting at its current version', () => {
    const changelog = readFileSync(`${root}${dir}/CHANGELOG.md`, 'utf8')
    // The heading changesets writes and reads: `# <name>`, then one `## <version>` per release.
    expect(changelog.startsWith(`# ${manifest.name}\n`)).toBe(true)
    expect(changelog).toMatch(new RegExp(`^## ${manifest.version.replaceAll('.', '\\.')}$`, 'm'))
  })

  it('declares type-only peers (@types/*) as optional', () => {
    for (const peer of Object.keys(manifest.peerDependencies ?? {}).filter((name) => name.startsWith('@types/'))) {
      expect(manifest.peerDependenciesMeta?.[peer]?.optional, peer).toBe(true)
    }
  })
})

it('the workspace-private packages (examples, bench) are never published', () => {
  const privateDirs = [
    'bench',
    ...readdirSync(`${root}examples`, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => `examples/${d.name}`),
  ]
  for (const dir of privateDirs) expect(readManifest(dir).private, dir).toBe(true)
})
