/**
 * The `bearer-guard` command: `bearer-guard inspect <token | ->`. Exit codes: 0 accepted, 1 rejected (or
 * not decided), 2 usage error. Output and environment are passed in so tests and other tools can call it.
 */

import { INSPECT_USAGE, parseInspectArgs, UsageError } from './inspect/options.js'
import { renderJson, renderText } from './inspect/render.js'
import { inspectToken } from './inspect/run.js'
import { colourWanted, createStyle } from './lib/style.js'

/** The CLI's outside world, passed in so tests and other tools can run it without a process. */
export interface CliIo {
  /** Where the report and help go; `isTTY` (with the environment) decides whether output is coloured. */
  readonly stdout: {
    /** Writes a chunk of output as is (newlines included); the return value is ignored. */
    write(text: string): unknown
    readonly isTTY?: boolean
  }
  /** Where usage errors, unknown-command hints and the stdin prompt go. */
  readonly stderr: {
    /** Writes a chunk of output as is (newlines included); the return value is ignored. */
    write(text: string): unknown
  }
  /** Reads all of stdin (for the `-` token argument). */
  readonly readStdin: () => Promise<string>
  /** True when stdin is a terminal (the user is about to type or paste the token). */
  readonly stdinIsTTY?: boolean
  readonly env: NodeJS.ProcessEnv
}

const USAGE = `Usage: bearer-guard <command>

Commands:
  inspect <token | ->   why is this access token accepted or rejected?

Run "bearer-guard inspect --help" for its options.`

/** Longest token read from stdin; far above any sane token, small enough to never exhaust memory. */
const MAX_STDIN_BYTES = 1_048_576

/** Runs `bearer-guard` with `argv` (without node and script). Resolves the exit code: 0 accepted, 1 rejected or not decided, 2 usage error. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    io.stdout.write(`${USAGE}\n`)
    return command === undefined ? 2 : 0
  }
  if (command !== 'inspect') {
    // The usual slip: the token (or "-") given without the command name.
    const hint = command === '-' || /^[\w-]+\.[\w-]+\.[\w-]*$/.test(command) ? ' (did you mean "bearer-guard inspect <token>"?)' : ''
    io.stderr.write(`bearer-guard: unknown command "${command.length > 40 ? `${command.slice(0, 40)}…` : command}"${hint}\n\n${USAGE}\n`)
    return 2
  }
  try {
    const options = await parseInspectArgs(rest)
    if (options === 'help') {
      io.stdout.write(`${INSPECT_USAGE}\n`)
      return 0
    }
    const token = options.token === '-' ? await readToken(io) : options.token.trim()
    const report = await inspectToken(options, token)
    io.stdout.write(options.json ? renderJson(report) : renderText(report, createStyle(colourWanted(io.stdout, io.env))))
    return report.verdict.accepted ? 0 : 1
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`bearer-guard inspect: ${error.message}\n\nRun "bearer-guard inspect --help" for usage.\n`)
      return 2
    }
    throw error
  }
}

async function readToken(io: CliIo): Promise<string> {
  if (io.stdinIsTTY === true) io.stderr.write('Paste the token, then press Enter and Ctrl-D:\n')
  const text = await io.readStdin()
  if (text.length > MAX_STDIN_BYTES) throw new UsageError('stdin holds more than 1 MiB: not a token')
  // Tolerate a pasted "Bearer " prefix and surrounding whitespace or newline.
  const token = text.trim().replace(/^Bearer\s+/i, '')
  if (token === '') throw new UsageError('no token on stdin')
  return token
}
