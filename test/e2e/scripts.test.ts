/**
 * The examples' entry points, run as their READMEs say: configuration from the environment, real servers,
 * a clean exit on SIGTERM.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runScript, type Script } from './processes.js'
import { call, DEMO_AUDIENCE, DEMO_CLIENTS, FRAMEWORKS, startIssuer, tokenFrom } from './support.js'

type Issuer = Awaited<ReturnType<typeof startIssuer>>

describe('runnable examples', () => {
  let issuer: Issuer
  const scripts: Script[] = []
  const run = (...args: Parameters<typeof runScript>): Script => {
    const script = runScript(...args)
    scripts.push(script)
    return script
  }

  beforeAll(async () => {
    issuer = await startIssuer()
  })
  afterAll(async () => {
    for (const script of scripts) script.child.kill()
    await issuer.close()
  })

  it.each(FRAMEWORKS)(
    'examples/%s serves the API configured by ISSUER, AUDIENCE and PORT',
    async (framework) => {
      const api = run(`examples/${framework}/dist/main.js`, [], { ISSUER: issuer.issuer, AUDIENCE: DEMO_AUDIENCE, PORT: '0' })
      const [, url] = await api.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+);/)
      const token = await tokenFrom(issuer, DEMO_CLIENTS.reader, 'read:data')
      expect((await call(`${url}/api/reports`, { token })).status).toBe(200)
      expect((await call(`${url}/api/reports`, { token, method: 'POST' })).status).toBe(403)
      api.child.kill('SIGTERM')
      expect(await api.exited).toBe(0)
    },
    30_000,
  )

  it('an example API without ISSUER or AUDIENCE says what to set and exits 2', async () => {
    const api = run('examples/express/dist/main.js', [], { ISSUER: '', AUDIENCE: '' })
    expect(await api.exited).toBe(2)
    expect(api.stderr()).toContain('Set ISSUER')
  }, 30_000)

  it('examples/authorization-server issues tokens on the port given by PORT', async () => {
    const server = run('examples/authorization-server/dist/main.js', [], { PORT: '0' })
    const [, url] = await server.waitFor(/listening: (http:\/\/127\.0\.0\.1:\d+)\n/)
    const { writer } = DEMO_CLIENTS
    const response = await fetch(`${url}/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: writer.clientId,
        client_secret: writer.clientSecret,
        scope: 'read:data',
      }),
    })
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ token_type: 'Bearer', scope: 'read:data', expires_in: 300 })
    server.child.kill('SIGTERM')
    expect(await server.exited).toBe(0)
  }, 30_000)

  it('examples/client-credentials calls the API with one token for several calls and exits 0', async () => {
    const api = run('examples/express/dist/main.js', [], { ISSUER: issuer.issuer, AUDIENCE: DEMO_AUDIENCE, PORT: '0' })
    const [, url] = await api.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+);/)
    const tokensBefore = issuer.requests.token
    const { reader } = DEMO_CLIENTS
    const daemon = run('examples/client-credentials/dist/main.js', [], {
      ISSUER: issuer.issuer,
      CLIENT_ID: reader.clientId,
      CLIENT_SECRET: reader.clientSecret,
      SCOPE: 'read:data',
      RESOURCE: DEMO_AUDIENCE,
      API_URL: `${url}/api/reports`,
      CALLS: '3',
      INTERVAL_SECONDS: '0',
    })
    expect(await daemon.exited).toBe(0)
    expect(daemon.stdout().match(/-> 200 /g)).toHaveLength(3)
    expect(daemon.stdout().match(/new access token: expires in 300 s, scope "read:data"/g)).toHaveLength(1)
    expect(issuer.requests.token - tokensBefore).toBe(1)
  }, 30_000)

  it('examples/client-credentials --dpop: DPoP-bound token, a proof per call, against an API with DPOP=required', async () => {
    const api = run('examples/express/dist/main.js', [], { ISSUER: issuer.issuer, AUDIENCE: DEMO_AUDIENCE, PORT: '0', DPOP: 'required' })
    const [, url] = await api.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+);/)
    const tokensBefore = issuer.requests.token
    const { reader } = DEMO_CLIENTS
    const daemon = run('examples/client-credentials/dist/main.js', ['--dpop'], {
      ISSUER: issuer.issuer,
      CLIENT_ID: reader.clientId,
      CLIENT_SECRET: reader.clientSecret,
      SCOPE: 'read:data',
      RESOURCE: DEMO_AUDIENCE,
      API_URL: `${url}/api/reports`,
      CALLS: '3',
      INTERVAL_SECONDS: '0',
    })
    expect(await daemon.exited).toBe(0)
    expect(daemon.stdout().match(/-> 200 /g)).toHaveLength(3)
    expect(daemon.stdout().match(/new DPoP-bound access token: expires in 300 s, scope "read:data"/g)).toHaveLength(1)
    expect(issuer.requests.token - tokensBefore).toBe(1)
  }, 30_000)
})
