/**
 * `inspect`'s command line and config file, turned into the guard options the API would use plus what
 * the route requires (scopes). Flags override the file. Anything unknown or malformed is a usage error
 * (exit 2), never silently ignored.
 */
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import type { Algorithm, GuardOptions, ScopeMode } from '@bearer-guard/core'

export class UsageError extends Error {
  override readonly name = 'UsageError'
}

/** `inspect`'s parsed arguments: flags override the `--config` file. */
export interface InspectOptions {
  /** The token argument: a compact JWT, or `-` to read it from stdin. */
  readonly token: string
  /** Guard options as the API would pass them, without `issuer`/`audience` when not given. */
  readonly guard: Partial<GuardOptions>
  /** Scopes the route requires (none: no scope check). */
  readonly scopes: readonly string[]
  readonly scopeMode: ScopeMode
  readonly json: boolean
}

/** The guard options a JSON config file may hold (functions, secrets and fetch hooks cannot be in JSON). */
const CONFIG_KEYS = new Set([
  'issuer',
  'audience',
  'jwksUri',
  'algorithms',
  'clockTolerance',
  'maxTokenAge',
  'requiredClaims',
  'strict',
  'scopeClaim',
  'maxTokenLength',
  'timeoutDuration',
  'maxResponseSize',
  'followRedirects',
  'allowInsecureHttp',
  'fetchHeaders',
  // What a route requires, for `inspect` only.
  'scopes',
  'scopeMode',
])

export const INSPECT_USAGE = `Usage: bearer-guard inspect <token | -> [options]

Decodes an access token, fetches the issuer's keys and runs the checks bearer-guard runs,
printing each one as pass or the reason it fails. Exit 0 only when the token would be accepted.

  <token>                  the compact JWT; "-" reads it from stdin (keeps it out of shell history)
  --issuer <url>           accepted "iss" (repeatable); its keys are found by discovery
  --jwks-uri <url>         the JWKS URL (instead of discovery)
  --audience <value>       accepted "aud" (repeatable)
  --scope <scope>          scope the route requires (repeatable, or space-separated)
  --scope-mode all|any     all of the scopes (default) or any one
  --algorithms <list>      allowed algorithms, comma-separated (default: every asymmetric one)
  --clock-tolerance <s>    seconds of clock skew tolerated (default 5)
  --max-token-age <s>      maximum age since "iat"
  --strict                 RFC 9068 profile: typ at+jwt and its claims required
  --config <file.json>     guard options as JSON (issuer, audience, jwksUri, algorithms, ...)
  --json                   machine-readable output
  -h, --help               this help

Only the issuer's discovery and JWKS endpoints are contacted; the token is never sent anywhere.`

/** Parses `inspect`'s arguments (everything after the word `inspect`). */
export async function parseInspectArgs(argv: readonly string[]): Promise<InspectOptions | 'help'> {
  let parsed: ReturnType<typeof parseInspect>
  try {
    parsed = parseInspect(argv)
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  const { values, positionals } = parsed
  if (values.help === true) return 'help'
  if (positionals.length !== 1) {
    throw new UsageError(positionals.length === 0 ? 'missing <token> (or "-" to read it from stdin)' : 'expected exactly one <token>')
  }
  const fromFile = values.config === undefined ? {} : await readConfig(values.config)
  const { scopes: fileScopes, scopeMode: fileMode, ...fileGuard } = fromFile
  const guard: Record<string, unknown> = { ...fileGuard }
  if (values.issuer !== undefined) guard.issuer = values.issuer.length === 1 ? values.issuer[0] : values.issuer
  if (values['jwks-uri'] !== undefined) guard.jwksUri = values['jwks-uri']
  if (values.audience !== undefined) guard.audience = values.audience.length === 1 ? values.audience[0] : values.audience
  if (values.algorithms !== undefined) {
    guard.algorithms = values.algorithms
      .split(',')
      .map((alg) => alg.trim())
      .filter((alg) => alg !== '') as Algorithm[]
  }
  if (values['clock-tolerance'] !== undefined) guard.clockTolerance = seconds(values['clock-tolerance'], '--clock-tolerance')
  if (values['max-token-age'] !== undefined) guard.maxTokenAge = seconds(values['max-token-age'], '--max-token-age')
  if (values.strict === true) guard.strict = true

  const scopes = values.scope !== undefined ? values.scope.flatMap((s) => s.split(' ')).filter((s) => s !== '') : (fileScopes ?? [])
  const scopeMode = values['scope-mode'] ?? fileMode ?? 'all'
  if (scopeMode !== 'all' && scopeMode !== 'any') throw new UsageError('--scope-mode must be "all" or "any"')
  return { token: positionals[0] as string, guard: guard as Partial<GuardOptions>, scopes, scopeMode, json: values.json === true }
}

function parseInspect(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      issuer: { type: 'string', multiple: true },
      'jwks-uri': { type: 'string' },
      audience: { type: 'string', multiple: true },
      scope: { type: 'string', multiple: true },
      'scope-mode': { type: 'string' },
      algorithms: { type: 'string' },
      'clock-tolerance': { type: 'string' },
      'max-token-age': { type: 'string' },
      strict: { type: 'boolean' },
      config: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  })
}

function seconds(text: string, flag: string): number {
  const value = Number(text)
  if (text.trim() === '' || !Number.isFinite(value) || value < 0) throw new UsageError(`${flag} must be a number of seconds`)
  return value
}

interface ConfigFile extends Record<string, unknown> {
  scopes?: string[]
  scopeMode?: string
}

async function readConfig(path: string): Promise<ConfigFile> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new UsageError(`--config: cannot read ${path}: ${(error as Error).message}`)
  }
  let config: unknown
  try {
    config = JSON.parse(text)
  } catch (error) {
    throw new UsageError(`--config: ${path} is not JSON: ${(error as Error).message}`)
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config))
    throw new UsageError(`--config: ${path} must hold a JSON object`)
  const unknown = Object.keys(config).filter((key) => !CONFIG_KEYS.has(key))
  if (unknown.length > 0) {
    throw new UsageError(
      `--config: unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')} (known: ${[...CONFIG_KEYS].join(', ')})`,
    )
  }
  const { scopes } = config as ConfigFile
  if (scopes !== undefined && (!Array.isArray(scopes) || scopes.some((s) => typeof s !== 'string'))) {
    throw new UsageError('--config: "scopes" must be an array of strings')
  }
  return config as ConfigFile
}
