/** `pnpm demo` itself, as a child process: it must tell the whole story and exit 0, for every framework. */
import { describe, expect, it } from 'vitest'
import { runScript } from './processes.js'
import { FRAMEWORKS } from './support.js'

const DEMO = 'examples/demo/dist/main.js'
const NAMES = { express: 'Express', koa: 'Koa', fastify: 'Fastify' } as const

describe('pnpm demo', () => {
  it.each(FRAMEWORKS)(
    'runs the client credentials story against the %s API and exits 0',
    async (framework) => {
      const demo = runScript(DEMO, ['--framework', framework])
      expect(await demo.exited).toBe(0)
      const out = demo.stdout()
      expect(out).toContain(`against an API built on ${NAMES[framework]}.`)
      expect(out).toContain('grant_type=client_credentials  client_id=reports-writer')
      expect(out).toMatch(/access_token: eyJ\S+…\S+ \(\d+ characters\)/)
      expect(out).toMatch(/^ {7}typ|header: alg=RS256, typ=at\+jwt, kid=/m)
      expect(out).toMatch(/GET \/api\/reports with the token → 200 OK/)
      expect(out).toMatch(/GET \/api\/reports with no token → 401 Unauthorized\n {5}WWW-Authenticate: Bearer realm="reports"\n/)
      expect(out).toContain('→ 403 Forbidden\n     WWW-Authenticate: Bearer realm="reports", error="insufficient_scope"')
      expect(out).toContain('scope "read:data write:data" → 401 Unauthorized')
      expect(out).not.toContain('✗')
      expect(out).toMatch(/Every step behaved as expected \(11 of 11\)/)
    },
    60_000,
  )

  it('--dpop tells the DPoP story (bound token, proofs, replay, wrong method and URL, thief, downgrade) and exits 0', async () => {
    const demo = runScript(DEMO, ['--dpop', '--framework', 'fastify'])
    expect(await demo.exited).toBe(0)
    const out = demo.stdout()
    expect(out).toContain('against an API built on Fastify.')
    expect(out).toMatch(/✓ ← dpop token, expires in 300 s/)
    expect(out).toMatch(/cnf +\{"jkt":"[A-Za-z0-9_-]{43}"\}/)
    expect(out).toContain(
      'replayed /api/reports → 401\n     WWW-Authenticate: DPoP realm="reports", error="invalid_dpop_proof", error_description="DPoP proof replayed", algs="ES256 EdDSA',
    )
    expect(out).toContain('error_description="DPoP key binding mismatch"')
    expect(out).not.toContain('✗')
    expect(out).toMatch(/Every step behaved as expected \(8 of 8\)/)
  }, 60_000)

  it('refuses an unknown framework with exit 2 and the usage', async () => {
    const unknown = runScript(DEMO, ['--framework', 'hapi'])
    expect(await unknown.exited).toBe(2)
    expect(unknown.stderr()).toContain('unknown framework "hapi"\nusage: pnpm demo [--framework express|koa|fastify] [--keep]')
    expect(unknown.stdout()).toBe('')
  }, 60_000)

  it('with --keep, leaves the servers up with commands to paste, and stops cleanly on SIGINT', async () => {
    const demo = runScript(DEMO, ['--keep'])
    try {
      const [, apiUrl] = await demo.waitFor(/API (http:\/\/127\.0\.0\.1:\d+)\)/)
      await demo.waitFor(/Press Ctrl-C to stop\./)
      expect(demo.stdout()).toMatch(/^TOKEN=\$\(curl -s -d grant_type=client_credentials -d client_id=reports-writer /m)
      expect(demo.stdout()).toContain(`curl -i -H "Authorization: Bearer $TOKEN" ${apiUrl}/api/reports`)
      const health = await fetch(`${apiUrl}/health`)
      expect(health.status).toBe(200)
      demo.child.kill('SIGINT')
      expect(await demo.exited).toBe(0)
    } finally {
      demo.child.kill()
    }
  }, 60_000)
})
