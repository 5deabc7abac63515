/** `pnpm demo:mcp` as a test: every step must behave, and the story must tell the chain in order. */
import { runMcpDemo } from '@bearer-guard/example-mcp-server'
import { expect, it } from 'vitest'

it('the MCP demo passes every step and prints the discovery chain', async () => {
  const lines: string[] = []
  const demo = await runMcpDemo((line) => lines.push(line))
  await demo.stop()
  expect(demo.failed).toBe(0)
  expect(demo.passed).toBe(14)
  const text = lines.join('\n')
  const order = [
    '→ 401',
    '/.well-known/oauth-protected-resource/mcp → 200',
    '/.well-known/oauth-authorization-server → 200',
    '/token → 200',
    'grant_type=client_credentials',
  ]
  let at = -1
  for (const part of order) {
    const next = text.indexOf(part, at + 1)
    expect(next, part).toBeGreaterThan(at)
    at = next
  }
  expect(text).not.toContain('✗')
})
