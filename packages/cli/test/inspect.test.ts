/**
 * `bearer-guard inspect` run as users run it: the real bin in a child process, against a real issuer on
 * loopback (discovery and JWKS). One accepted token, then a distinct failure reason per case, each with
 * its exit code, the guard's verdict and the failing check's expected vs actual.
 */
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createTestIssuer, type TestIssuer } from '@bearer-guard/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url))

interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

function inspect(args: readonly string[], options: { stdin?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, ...options.env }
    const child = spawn(process.execPath, [BIN, 'inspect', ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8')
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8')
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
    child.stdin.end(options.stdin ?? '')
  })
}

interface JsonCheck {
  readonly name: string
  readonly status: string
  readonly message: string
  readonly expected?: string
  readonly actual?: string
}
interface JsonReport {
  readonly header: Record<string, unknown>
  readonly claims: Record<string, unknown>
  readonly requests: Array<{ url: string; status: number }>
  readonly checks: JsonCheck[]
  readonly verdict: { accepted: boolean; decided: boolean; status?: number; code?: string; description?: string; causes?: string[] }
}

async function inspectJson(args: readonly string[]): Promise<{ code: number | null; report: JsonReport }> {
  const run = await inspect([...args, '--json'])
  expect(run.stderr).toBe('')
  return { code: run.code, report: JSON.parse(run.stdout) as JsonReport }
}

let as: TestIssuer
let other: TestIssuer
let base: string[]
beforeAll(async () => {
  as = await createTestIssuer({ alg: 'ES256' })
  other = await createTestIssuer({ alg: 'ES256' })
  base = ['--issuer', as.issuer, '--audience', as.audience]
})
afterAll(async () => {
  await as?.close()
  await other?.close()
})

const failed = (report: JsonReport) => report.checks.filter((c) => c.status === 'fail')
const now = () => Math.floor(Date.now() / 1000)

// Each case is a child process that mostly waits: run them side by side.
describe.concurrent('an accepted token', { timeout: 60_000 }, () => {
  it('exits 0, prints header, claims with UTC and relative times, every check and ACCEPTED; plain when not a TTY', async () => {
    // Its own issuer: the request counts below must not see the concurrent tests' requests.
    const own = await createTestIssuer({ alg: 'ES256' })
    const token = await own.sign({ client_id: 'reporting' }, { scope: 'read:reports' })
    const run = await inspect([token, '--issuer', own.issuer, '--audience', own.audience, '--scope', 'read:reports']).finally(() =>
      own.close(),
    )
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^Header\n {2}alg {2}ES256\n/)
    expect(run.stdout).toMatch(/ {2}exp +\d+ {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC {2}\(in 60 min\)/)
    expect(run.stdout).toContain(`GET ${own.issuer}/.well-known/oauth-authorization-server  200`)
    expect(run.stdout).toContain(`GET ${own.jwksUri}  200`)
    for (const name of ['format', 'algorithm', 'header', 'key', 'signature', 'issuer', 'audience', 'expiry', 'scope']) {
      expect(run.stdout).toMatch(new RegExp(`\\n {2}pass {2}${name} `))
    }
    expect(run.stdout).toContain('ACCEPTED')
    // Not a TTY: no escape sequences at all.
    expect(run.stdout).not.toContain('\x1b')
    // Only the issuer's discovery and JWKS endpoints were contacted.
    expect(own.requests).toEqual({ discovery: 1, jwks: 1, total: 2 })
  })

  it('reads the token from stdin with "-" (a pasted "Bearer " prefix and newline tolerated)', async () => {
    const token = await as.sign()
    const run = await inspect(['-', ...base], { stdin: `Bearer ${token}\n` })
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('ACCEPTED')
  })

  it('--json: the same report for machines', async () => {
    const token = await as.sign({ client_id: 'svc' })
    const { code, report } = await inspectJson([token, ...base])
    expect(code).toBe(0)
    expect(report.verdict).toEqual({ accepted: true, decided: true })
    expect(report.header.alg).toBe('ES256')
    expect(report.claims.client_id).toBe('svc')
    expect(failed(report)).toEqual([])
    expect(report.checks.find((c) => c.name === 'signature')?.status).toBe('pass')
  })

  it('--config file.json holds the guard options (flags override it)', async () => {
    const file = join(tmpdir(), `bearer-guard-inspect-${randomUUID()}.json`)
    await writeFile(file, JSON.stringify({ issuer: as.issuer, audience: 'https://wrong.example', jwksUri: as.jwksUri, scopes: ['read'] }))
    try {
      const token = await as.sign({}, { scope: 'read' })
      expect((await inspect([token, '--config', file])).code).toBe(1)
      expect((await inspect([token, '--config', file, '--audience', as.audience])).code).toBe(0)
    } finally {
      await rm(file, { force: true })
    }
  })

  it('colours on request (FORCE_COLOR) and never with NO_COLOR', async () => {
    const token = await as.sign()
    expect((await inspect([token, ...base], { env: { FORCE_COLOR: '1' } })).stdout).toContain('\x1b[32m')
    expect((await inspect([token, ...base], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } })).stdout).not.toContain('\x1b')
  })
})

describe.concurrent('each failure reason, with the guard verdict and the failing check', { timeout: 60_000 }, () => {
  interface Case {
    readonly name: string
    readonly token: () => Promise<string>
    readonly args?: () => string[]
    readonly status: number
    readonly description: string
    readonly check: string
    readonly expected?: RegExp
    readonly actual?: RegExp
  }
  const cases: Case[] = [
    {
      name: 'expired',
      token: () => as.sign({}, { expiresIn: -3 * 3600 }),
      status: 401,
      description: 'token expired',
      check: 'expiry',
      expected: /^exp after now .* UTC, tolerance 5 s$/,
      actual: /^exp \d{4}-.* UTC$/,
    },
    {
      name: 'not yet valid',
      token: () => as.sign({ nbf: now() + 3600 }),
      status: 401,
      description: 'token not yet valid',
      check: 'not before',
      actual: /^nbf /,
    },
    {
      name: 'wrong audience',
      token: () => as.sign({ aud: 'https://other-api.example' }),
      status: 401,
      description: 'unexpected audience',
      check: 'audience',
      expected: /^one of https:\/\/api\.example\.test$/,
      actual: /^https:\/\/other-api\.example$/,
    },
    {
      name: 'wrong issuer (trailing slash)',
      token: () => as.sign({ iss: `${as.issuer}/` }),
      args: () => ['--issuer', as.issuer, '--jwks-uri', as.jwksUri, '--audience', as.audience],
      status: 401,
      description: 'unexpected issuer',
      check: 'issuer',
      expected: /^http:\/\/127\.0\.0\.1:\d+$/,
      actual: /^http:\/\/127\.0\.0\.1:\d+\/$/,
    },
    {
      name: 'bad signature',
      token: async () => {
        const [h, , s] = (await as.sign()).split('.')
        const payload = Buffer.from(JSON.stringify({ iss: as.issuer, aud: as.audience, exp: now() + 600, scope: 'admin' })).toString(
          'base64url',
        )
        return `${h}.${payload}.${s}`
      },
      status: 401,
      description: 'invalid signature',
      check: 'signature',
    },
    {
      name: 'unknown key',
      token: () => other.sign({ iss: as.issuer }),
      status: 401,
      description: 'unknown signing key',
      check: 'key',
      expected: /^kid one of /,
      actual: /^kid [0-9a-f-]{36}$/,
    },
    {
      name: 'algorithm not allowed',
      token: () => as.sign(),
      args: () => [...base, '--algorithms', 'RS256,PS256'],
      status: 401,
      description: 'algorithm not allowed',
      check: 'algorithm',
      expected: /^one of RS256, PS256$/,
      actual: /^ES256$/,
    },
    {
      name: 'insufficient scope',
      token: () => as.sign({}, { scope: 'read:reports' }),
      args: () => [...base, '--scope', 'write:reports read:reports'],
      status: 403,
      description: 'insufficient scope',
      check: 'scope',
      expected: /^all of write:reports, read:reports$/,
      actual: /^read:reports$/,
    },
    {
      name: 'malformed',
      token: async () => 'eyJhbGciOiJFUzI1NiJ9.not-json.sig',
      status: 401,
      description: 'malformed token',
      check: 'format',
    },
    {
      name: 'token type not allowed',
      token: () => as.sign({}, { header: { typ: 'dpop+jwt' } }),
      status: 401,
      description: 'token type not allowed',
      check: 'header',
      actual: /^typ dpop\+jwt$/,
    },
    {
      name: 'sender-constrained token as bearer',
      token: () => as.sign({ cnf: { jkt: 'abc' } }),
      status: 401,
      description: 'sender-constrained token sent as bearer',
      check: 'bearer use',
    },
    {
      name: 'too old',
      token: () => as.sign({ iat: now() - 7200 }),
      args: () => [...base, '--max-token-age', '600'],
      status: 401,
      description: 'token too old',
      check: 'issued at',
      expected: /^issued within 10 min$/,
      actual: /^issued 2 h ago$/,
    },
  ]

  it.each(cases)('$name', async (c) => {
    const token = await c.token()
    const { code, report } = await inspectJson([token, ...(c.args?.() ?? base)])
    expect(code).toBe(1)
    expect(report.verdict).toMatchObject({ accepted: false, decided: true, status: c.status, description: c.description })
    const check = report.checks.find((x) => x.name === c.check)
    expect(check?.status).toBe('fail')
    if (c.expected) expect(check?.expected).toMatch(c.expected)
    if (c.actual) expect(check?.actual).toMatch(c.actual)
  })

  it('keys unavailable: 503 with the upstream reason, and the text layout shows expected vs actual', async () => {
    const down = await createTestIssuer({ alg: 'ES256' })
    try {
      const token = await down.sign({}, { expiresIn: -3 * 3600 })
      down.fail('http-500')
      const run = await inspect([token, '--issuer', down.issuer, '--jwks-uri', down.jwksUri, '--audience', down.audience])
      expect(run.code).toBe(1)
      expect(run.stdout).toContain('REJECTED  503 temporarily_unavailable: authorization keys temporarily unavailable')
      expect(run.stdout).toContain('because   unexpected HTTP status 500')
      expect(run.stdout).toMatch(/FAIL {2}key +keys unavailable: .*unexpected HTTP status 500/)
      expect(run.stdout).toMatch(/FAIL {2}expiry +token expired 3 h ago\n +expected exp after now .*\n +actual {3}exp /)
    } finally {
      await down.close()
    }
  })

  it('escapes terminal control characters from the token', async () => {
    const token = await as.sign({ client_id: 'evil\x1b[2J\x1b]0;pwned\x07' })
    const run = await inspect([token, ...base], { env: { FORCE_COLOR: '1' } })
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('evil\\u001b[2J\\u001b]0;pwned\\u0007')
    expect(run.stdout).not.toContain('\x1b[2J')
  })
})

describe.concurrent('usage', { timeout: 60_000 }, () => {
  it('without --audience every check runs but the verdict is undecided (exit 1)', async () => {
    const { code, report } = await inspectJson([await as.sign(), '--issuer', as.issuer])
    expect(code).toBe(1)
    expect(report.verdict).toEqual({ accepted: false, decided: false })
    expect(report.checks.find((c) => c.name === 'audience')?.status).toBe('skip')
  })

  it.each([
    [[], /missing <token>/],
    [['a.b.c'], /pass --issuer/],
    [['a.b.c', '--issuer', 'https://as.example', '--audience', 'a', '--algorithms', 'none'], /algorithms/],
    [['a.b.c', '--issuer', 'https://as.example', '--clock-tolerance', 'soon', '--bogus'], /Unknown option '--bogus'/],
  ])('%j exits 2 with a usage message', async (args, message) => {
    const run = await inspect(args)
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(message)
    expect(run.stdout).toBe('')
  })

  it('refuses unknown config keys, naming them', async () => {
    const file = join(tmpdir(), `bearer-guard-inspect-${randomUUID()}.json`)
    await writeFile(file, JSON.stringify({ issuer: as.issuer, audience: as.audience, jwksURI: as.jwksUri }))
    try {
      const run = await inspect(['a.b.c', '--config', file])
      expect(run.code).toBe(2)
      expect(run.stderr).toContain('unknown key "jwksURI"')
    } finally {
      await rm(file, { force: true })
    }
  })

  it('a token without the command name gets a hint', async () => {
    const run = await new Promise<Run>((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, 'eyJhbGciOiJFUzI1NiJ9.e30.sig'], { stdio: ['ignore', 'pipe', 'pipe'] })
      let stderr = ''
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString('utf8')
      })
      child.on('error', reject)
      child.on('close', (code) => resolve({ code, stdout: '', stderr }))
    })
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('did you mean "bearer-guard inspect <token>"?')
  })

  it('--help exits 0', async () => {
    const run = await inspect(['--help'])
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('Usage: bearer-guard inspect <token | ->')
  })
})
