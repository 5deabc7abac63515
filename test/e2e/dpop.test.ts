/**
 * DPoP interop (RFC 9449), nothing stubbed: oidc-provider issues DPoP-bound client credentials tokens
 * (`token_type: DPoP`, `cnf.jkt`), oauth4webapi's DPoP handle makes every proof, and each example API
 * (Express, Koa, Fastify) with `dpop` on verifies them. The refusals are made by the same client library,
 * each bent one way: replayed proof, proof for another method or URL (a fetch that changes the request
 * after the proof was made), stale proof (the client's clock skewed), another key, the token sent as Bearer.
 */
import { createHash } from 'node:crypto'
import { decodeJwt } from 'jose'
import * as oauth from 'oauth4webapi'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDpopHandle, createTokenClient, dpopFetch } from '../../examples/client-credentials/dist/index.js'
import { DEMO_AUDIENCE, DEMO_CLIENTS, FRAMEWORKS, type RunningServer, startApi, startIssuer } from './support.js'

const { writer, reader } = DEMO_CLIENTS
type Issuer = Awaited<ReturnType<typeof startIssuer>>

interface Sent {
  readonly url: string
  readonly method: string
  readonly headers: Record<string, string>
}

/** What the API answered to an oauth4webapi request: status and challenge, whether oauth4webapi threw or not. */
async function outcome(request: Promise<Response>): Promise<{ status: number; challenge: string | null }> {
  try {
    const response = await request
    return { status: response.status, challenge: response.headers.get('www-authenticate') }
  } catch (error) {
    if (!(error instanceof oauth.WWWAuthenticateChallengeError)) throw error
    return { status: error.response.status, challenge: error.response.headers.get('www-authenticate') }
  }
}

describe.each(FRAMEWORKS)('%s example API, DPoP tokens from oidc-provider, proofs from oauth4webapi', (framework) => {
  let issuer: Issuer
  let api: RunningServer
  let handle: oauth.DPoPHandle
  let token: string
  const allowInsecure = { [oauth.allowInsecureRequests]: true }

  beforeAll(async () => {
    issuer = await startIssuer()
    api = await startApi[framework]({ issuer: issuer.issuer, audience: DEMO_AUDIENCE, strict: true, dpop: { mode: 'allowed' } })
    handle = await createDpopHandle('ES256')
    const tokens = createTokenClient({ issuer: issuer.issuer, ...writer, scope: 'read:data', resource: DEMO_AUDIENCE, dpop: handle })
    token = (await tokens.getToken()).value
  })
  afterAll(async () => {
    await Promise.all([api?.close(), issuer?.close()])
    expect(issuer.errors).toEqual([])
  })

  /** oauth4webapi request with the handle; `bend` may change the request after the proof was made. */
  const request = (
    options: { path?: string; method?: string; dpop?: oauth.DPoPHandle | null; bend?: (sent: Sent) => Sent; record?: Sent[] } = {},
  ) =>
    oauth.protectedResourceRequest(
      token,
      options.method ?? 'GET',
      new URL(`${api.url}${options.path ?? '/api/reports'}`),
      new Headers(),
      undefined,
      {
        ...(options.dpop === null ? {} : { DPoP: options.dpop ?? handle }),
        ...allowInsecure,
        [oauth.customFetch]: (url: string, init: { method: string; headers: Record<string, string> }) => {
          let sent: Sent = { url, method: init.method, headers: { ...init.headers } }
          options.record?.push(sent)
          if (options.bend !== undefined) sent = options.bend(sent)
          return fetch(sent.url, { method: sent.method, headers: sent.headers })
        },
      },
    )

  it('the token is DPoP-bound: cnf.jkt is the thumbprint of the client key', async () => {
    const claims = decodeJwt(token)
    expect(claims.cnf).toEqual({ jkt: await handle.calculateThumbprint() })
    expect(claims.aud).toBe(DEMO_AUDIENCE)
  })

  it('accepted: oauth4webapi proofs, GET and POST, and the example client dpopFetch', async () => {
    const record: Sent[] = []
    expect(await outcome(request({ record }))).toEqual({ status: 200, challenge: null })
    const sent = record[0] as Sent
    expect(sent.headers.authorization).toBe(`DPoP ${token}`)
    const proof = decodeJwt(sent.headers.dpop as string)
    expect(proof).toMatchObject({ htm: 'GET', htu: `${api.url}/api/reports`, ath: createHash('sha256').update(token).digest('base64url') })
    const tokens = createTokenClient({
      issuer: issuer.issuer,
      ...writer,
      scope: 'read:data write:data',
      resource: DEMO_AUDIENCE,
      dpop: handle,
    })
    const post = await dpopFetch(tokens, handle, `${api.url}/api/reports`, { method: 'POST' })
    expect(post.status).toBe(201)
    expect(await post.json()).toMatchObject({ createdBy: writer.clientId })
  })

  it('a replayed proof: 401 invalid_dpop_proof on the DPoP challenge', async () => {
    const record: Sent[] = []
    await outcome(request({ record }))
    const replay = record[0] as Sent
    const response = await fetch(replay.url, { method: replay.method, headers: replay.headers })
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toBe(
      `Bearer realm="reports", DPoP realm="reports", error="invalid_dpop_proof", error_description="DPoP proof replayed", algs="ES256 EdDSA RS256 RS384 RS512 PS256 PS384 PS512 ES384 ES512 Ed25519"`,
    )
  })

  it.each([
    ['another method', (sent: Sent): Sent => ({ ...sent, method: 'POST' }), 'DPoP proof htm mismatch'],
    ['another URL', (sent: Sent): Sent => ({ ...sent, url: sent.url.replace('/api/reports', '/api/whoami') }), 'DPoP proof htu mismatch'],
  ])('a proof for %s: 401 invalid_dpop_proof', async (_name, bend, description) => {
    const result = await outcome(request({ bend }))
    expect(result.status).toBe(401)
    expect(result.challenge).toContain(`DPoP realm="reports", error="invalid_dpop_proof", error_description="${description}"`)
  })

  it('a stale proof (the client clock ten minutes behind): 401 invalid_dpop_proof', async () => {
    // One key pair, two handles: the token request (on time, or oidc-provider refuses it), then the skewed API call.
    const keyPair = await oauth.generateKeyPair('ES256')
    const onTime = oauth.DPoP({}, keyPair)
    const skewed = oauth.DPoP({ [oauth.clockSkew]: -600 }, keyPair)
    const tokens = createTokenClient({ issuer: issuer.issuer, ...reader, scope: 'read:data', resource: DEMO_AUDIENCE, dpop: onTime })
    const skewedToken = (await tokens.getToken()).value
    const result = await outcome(
      oauth.protectedResourceRequest(skewedToken, 'GET', new URL(`${api.url}/api/reports`), new Headers(), undefined, {
        DPoP: skewed,
        ...allowInsecure,
      }),
    )
    expect(result.status).toBe(401)
    expect(result.challenge).toContain('error="invalid_dpop_proof", error_description="DPoP proof too old"')
  })

  it('a proof signed by another key (a stolen token): 401 invalid_token, key binding mismatch', async () => {
    const thief = await createDpopHandle('ES256')
    const result = await outcome(request({ dpop: thief }))
    expect(result.status).toBe(401)
    expect(result.challenge).toContain('DPoP realm="reports", error="invalid_token", error_description="DPoP key binding mismatch"')
  })

  it('the bound token sent as Bearer (RFC 9449 §7.2 downgrade): 401 invalid_token on the Bearer challenge', async () => {
    const record: Sent[] = []
    const result = await outcome(request({ dpop: null, record }))
    expect(record[0]?.headers.authorization).toBe(`Bearer ${token}`)
    expect(result.status).toBe(401)
    expect(result.challenge).toMatch(
      /^Bearer realm="reports", error="invalid_token", error_description="sender-constrained token sent as bearer", DPoP realm="reports", algs="/,
    )
  })

  it('a plain bearer token from the same server still works in allowed mode', async () => {
    const tokens = createTokenClient({ issuer: issuer.issuer, ...reader, scope: 'read:data', resource: DEMO_AUDIENCE })
    const bearer = (await tokens.getToken()).value
    expect(decodeJwt(bearer).cnf).toBeUndefined()
    const response = await fetch(`${api.url}/api/reports`, { headers: { authorization: `Bearer ${bearer}` } })
    expect(response.status).toBe(200)
  })
})
