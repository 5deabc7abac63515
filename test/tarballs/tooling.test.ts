/**
 * The packed tarballs through the two linters a package user's tooling would trip over, in-process (one
 * TypeScript load for all tarballs instead of one CLI start per tarball):
 * - arethetypeswrong (@arethetypeswrong/core 0.18, the engine of `attw`): types resolve for node16 (ESM)
 *   and bundlers with no problem at all; for node16 from CommonJS the only problem allowed is
 *   CJSResolvesToESM, because attw 0.18 cannot model require() of ESM (consumer.test.ts runs that
 *   require() for real and compiles a TypeScript CommonJS project against these types).
 * - publint: no error, warning or suggestion.
 */
import { readFile } from 'node:fs/promises'
import { checkPackage, createPackageFromTarballData } from '@arethetypeswrong/core'
import { publint } from 'publint'
import { formatMessage } from 'publint/utils'
import { describe, expect, inject, it } from 'vitest'

const tarballs = inject('tarballs')

describe.each(tarballs.map((path) => [path.replace(/^.*\//, ''), path]))('%s', (_name, tarball) => {
  it('arethetypeswrong: no problem but CJSResolvesToESM, and that only for node16 from CommonJS', async () => {
    const result = await checkPackage(createPackageFromTarballData(new Uint8Array(await readFile(tarball))))
    expect(result.types).not.toBe(false)
    const problems = 'problems' in result ? result.problems : []
    const unexpected = problems.filter(
      (problem) => !(problem.kind === 'CJSResolvesToESM' && 'resolutionKind' in problem && problem.resolutionKind === 'node16-cjs'),
    )
    expect(unexpected).toEqual([])
    // Every entry point (core has `.` and `./presets`) really is ESM for node16-from-CJS: at most one such
    // problem per entry point, which is what the allowed problem says.
    const entrypoints = problems.map((problem) => ('entrypoint' in problem ? problem.entrypoint : undefined))
    expect(new Set(entrypoints).size).toBe(problems.length)
  })

  it('publint: all good, suggestions included', async () => {
    const data = await readFile(tarball)
    const { messages, pkg } = await publint({
      pack: { tarball: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer },
      level: 'suggestion',
    })
    expect(messages.map((message) => `${message.type}: ${formatMessage(message, pkg) ?? message.code}`)).toEqual([])
  })
})
