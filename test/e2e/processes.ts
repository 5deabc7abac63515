/** Runs the examples' entry points as users do, `node dist/<script>.js`, and watches what they print. */
import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

export interface Script {
  readonly child: ChildProcess
  /** Everything printed to stdout so far. */
  readonly stdout: () => string
  readonly stderr: () => string
  /** Resolves with the first match of `pattern` in stdout; rejects if the process exits first. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  readonly exited: Promise<number | string>
}

/** Starts `node <script>` from the repository root, with `env` added to this process's environment. */
export function runScript(script: string, args: readonly string[] = [], env: Record<string, string> = {}): Script {
  const child = spawn(process.execPath, [script, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  const listeners = new Set<() => void>()
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk
    for (const listener of listeners) listener()
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk
  })
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'))
  })
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(pattern) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const match = out.match(pattern)
          if (match === null) return
          listeners.delete(check)
          resolve(match)
        }
        listeners.add(check)
        check()
        exited.then((code) => {
          listeners.delete(check)
          reject(new Error(`${script} exited (${code}) before printing ${pattern}\nstdout:\n${out}\nstderr:\n${err}`))
        })
      })
    },
  }
}
