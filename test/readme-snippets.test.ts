/**
 * Every TypeScript snippet in the READMEs (```ts blocks, and ```js blocks that say "valid TypeScript too")
 * is compiled under strict TypeScript with `exactOptionalPropertyTypes`, against the built packages as an app
 * outside the workspace would import them, so a README cannot show code that does not compile.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const READMES = ['README.md', ...readdirSync(join(ROOT, 'packages')).map((pkg) => join('packages', pkg, 'README.md'))]

interface Snippet {
  readonly readme: string
  readonly line: number
  readonly path: string
  readonly code: string
}

function snippetsOf(readme: string): Snippet[] {
  const text = readFileSync(join(ROOT, readme), 'utf8')
  const out: Snippet[] = []
  for (const match of text.matchAll(/```(ts|typescript|js)\n([\s\S]*?)```/g)) {
    const [, lang, code = ''] = match
    if (lang === 'js' && !/^\/\/.*valid TypeScript too/.test(code)) continue
    const line = text.slice(0, match.index).split('\n').length + 1
    // Virtual files next to this test, so package names resolve through the workspace's node_modules.
    const path = join(ROOT, 'test', '.readme-snippets', `${readme.replaceAll('/', '-')}-${line}.mts`)
    out.push({ readme, line, path, code })
  }
  return out
}

const snippets = READMES.flatMap(snippetsOf)

describe('README TypeScript snippets', () => {
  it('there are snippets in the root README and in each adapter README', () => {
    const where = new Set(snippets.map((s) => s.readme))
    for (const readme of ['README.md', 'packages/express/README.md', 'packages/koa/README.md', 'packages/fastify/README.md']) {
      expect(where).toContain(readme)
    }
  })

  it('compile under strict TypeScript with exactOptionalPropertyTypes', () => {
    const options: ts.CompilerOptions = {
      target: ts.ScriptTarget.ES2022,
      lib: ['lib.es2023.d.ts'],
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      strict: true,
      exactOptionalPropertyTypes: true,
      noUncheckedIndexedAccess: true,
      skipLibCheck: true,
      noEmit: true,
      types: ['node'],
    }
    const byPath = new Map(snippets.map((s) => [s.path, s]))
    const host = ts.createCompilerHost(options)
    const { getSourceFile, fileExists, readFile } = host
    host.fileExists = (file) => byPath.has(file) || fileExists.call(host, file)
    host.readFile = (file) => byPath.get(file)?.code ?? readFile.call(host, file)
    host.getSourceFile = (file, language, ...rest) => {
      const snippet = byPath.get(file)
      return snippet === undefined
        ? getSourceFile.call(host, file, language, ...rest)
        : ts.createSourceFile(file, snippet.code, language, true)
    }
    const program = ts.createProgram([...byPath.keys()], options, host)
    const problems = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file !== undefined && byPath.has(d.file.fileName))
      .map((d) => {
        const snippet = byPath.get(d.file?.fileName ?? '') as Snippet
        const { line } = ts.getLineAndCharacterOfPosition(d.file as ts.SourceFile, d.start ?? 0)
        return `${snippet.readme}:${snippet.line + line}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`
      })
    expect(problems).toEqual([])
    // One program for every snippet: the type-checker's start-up cost is paid once (~10 s on a busy machine).
  }, 90_000)
})
