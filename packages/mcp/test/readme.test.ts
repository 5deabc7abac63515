/** Runs the README's server as a child process and talks to it with the SDK client, so the documentation cannot drift. */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { createTestIssuer, type TestIssuer } from '@bearer-guard/testing'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const readme = await readFile(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8')
const rootReadme = await readFile(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8')

async function freePort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1')
  await once(probe, 'listening')
  const { port } = probe.address() as { port: number }
  await new Promise((resolve) => probe.close(resolve))
  return port
}

/** Writes the ```js block whose first line is `// <name>` next to this test (package imports resolve) and starts it. */
async function startBlock(text: string, name: string, env: Record<string, string>): Promise<{ child: ChildProcess; file: string }> {
  const start = text.indexOf(`\`\`\`js\n// ${name}`)
  expect(start).toBeGreaterThanOrEqual(0)
  const file = fileURLToPath(new URL(`./.readme-${name}`, import.meta.url))
  await writeFile(file, text.slice(start + 6, text.indexOf('```', start + 6)))
  const child = spawn(process.execPath, [file], { env: { ...process.env, ...env }, stdio: 'inherit' })
  const base = `http://127.0.0.1:${env.PORT}`
  // Under a loaded CI machine the SDK takes a while to load: wait up to 20 s, and fail fast if it exits.
  for (let i = 0; i < 400; i += 1) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`)
    if (
      await fetch(base).then(
        () => true,
        () => false,
      )
    )
      break
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return { child, file }
}

describe('root README mcp-server.mjs', () => {
  it('serves the metadata, answers 401 naming the scope, and greets an SDK client with a token', { timeout: 60_000 }, async () => {
    const issuer = await createTestIssuer()
    const port = await freePort()
    const resource = `http://127.0.0.1:${port}/mcp`
    const { child, file } = await startBlock(rootReadme, 'mcp-server.mjs', {
      ISSUER: issuer.issuer,
      RESOURCE: resource,
      PORT: String(port),
    })
    try {
      const metadataUrl = `http://127.0.0.1:${port}/.well-known/oauth-protected-resource/mcp`
      expect(await (await fetch(metadataUrl)).json()).toMatchObject({ resource, authorization_servers: [issuer.issuer] })
      const denied = await fetch(resource, { method: 'POST' })
      expect(denied.headers.get('www-authenticate')).toBe(`Bearer scope="mcp:tools", resource_metadata="${metadataUrl}"`)
      const token = await issuer.sign({ aud: resource, scope: 'mcp:tools', client_id: 'root-readme' })
      const client = new Client({ name: 'readme', version: '1.0.0' })
      await client.connect(
        new StreamableHTTPClientTransport(new URL(resource), { requestInit: { headers: { authorization: `Bearer ${token}` } } }),
      )
      const result = await client.callTool({ name: 'hello', arguments: {} })
      expect((result.content as { text: string }[])[0]?.text).toBe('hello root-readme')
      await client.close()
    } finally {
      child.kill()
      await issuer.close()
      await rm(file, { force: true })
    }
  })
})

describe('README server.mjs', () => {
  let issuer: TestIssuer
  let child: ChildProcess
  let file: string | undefined
  let base: string
  let resource: string

  beforeAll(async () => {
    issuer = await createTestIssuer()
    const port = await freePort()
    base = `http://127.0.0.1:${port}`
    resource = `${base}/mcp`
    ;({ child, file } = await startBlock(readme, 'server.mjs', { ISSUER: issuer.issuer, RESOURCE: resource, PORT: String(port) }))
  }, 60_000)
  afterAll(async () => {
    child?.kill()
    await issuer?.close()
    if (file !== undefined) await rm(file, { force: true })
  })

  it('serves the metadata and answers 401 as the README shows', async () => {
    const metadata = await fetch(`${base}/.well-known/oauth-protected-resource/mcp`)
    expect(await metadata.json()).toEqual({
      resource,
      authorization_servers: [issuer.issuer],
      bearer_methods_supported: ['header'],
      scopes_supported: ['mcp:tools', 'reports:write'],
      resource_name: 'Reports MCP server',
    })
    expect(readme).toContain(
      '"bearer_methods_supported":["header"],"scopes_supported":["mcp:tools","reports:write"],"resource_name":"Reports MCP server"}',
    )
    const denied = await fetch(resource, { method: 'POST' })
    expect(denied.status).toBe(401)
    expect(denied.headers.get('www-authenticate')).toBe(
      `Bearer scope="mcp:tools", resource_metadata="${base}/.well-known/oauth-protected-resource/mcp"`,
    )
  })

  it('the SDK client calls a tool; a tool scope the token lacks is a 403', async () => {
    const token = await issuer.sign({ aud: resource, scope: 'mcp:tools', client_id: 'readme-agent' })
    const transport = new StreamableHTTPClientTransport(new URL(resource), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    })
    const client = new Client({ name: 'readme', version: '1.0.0' })
    await client.connect(transport)
    const result = await client.callTool({ name: 'whoami', arguments: {} })
    expect((result.content as { text: string }[])[0]?.text).toBe('readme-agent mcp:tools')
    await expect(client.callTool({ name: 'delete_report', arguments: {} })).rejects.toMatchObject({ code: 403 })
    await client.close()
  })
})
