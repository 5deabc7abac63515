import { configDefaults, defineConfig } from 'vitest/config'

// One runner for the whole workspace. Tests import the packages by name, so they exercise the built
// `dist/` through each package's `exports` map, as users do; `pnpm test` builds first.
export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    // The packed-tarball checks have their own config and run after this suite (`pnpm test:tarballs`).
    exclude: [...configDefaults.exclude, 'test/tarballs/**'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // The machine has 2 cores; real servers on loopback in every file do better with few workers.
    maxWorkers: 2,
    reporters: ['default', './test/summary-reporter.ts'],
    typecheck: { enabled: true, include: ['**/*.test-d.ts'], tsconfig: 'test/tsconfig.json' },
  },
})
