import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// The tarball checks run after the main suite (`pnpm test`), as their own vitest run: one shared pack and
// npm install (global-setup.ts), then every check against the installed packages.
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../../', import.meta.url)),
    include: ['test/tarballs/**/*.test.ts'],
    globalSetup: ['test/tarballs/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    maxWorkers: 2,
    reporters: ['default'],
  },
})
