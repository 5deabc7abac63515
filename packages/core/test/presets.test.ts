/**
 * Provider presets against provider-shaped tokens from the testing kit: each preset's options verify the
 * shape its provider documents, and the classic mistakes (wrong tenant, wrong audience, wrong client, ID
 * token as access token) fail with a description and a server-side cause that say which.
 */
import { createGuard, type GuardOptions } from '@bearer-guard/core'
import { auth0, cognito, entra, keycloak, okta } from '@bearer-guard/core/presets'
import { createTestIssuer } from '@bearer-guard/testing'
import { afterAll, describe, expect, it } from 'vitest'

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47'
const OTHER_TENANT = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a'
const API_APP = '6e74172b-be56-4843-9ff4-e66a39bb12e3'
const CLIENT_APP = '3fa8b1d4-2c1e-4f1a-9a0b-6f0f4c3d2e1a'

const as = await createTestIssuer()
afterAll(() => as.close())
const at = (options: GuardOptions) => createGuard({ ...options, jwksUri: as.jwksUri })

async function refusal(promise: Promise<unknown>): Promise<{ status: number; description: string; cause: string }> {
  try {
    await promise
  } catch (error) {
    const e = error as { status: number; description: string; cause?: { message?: string } }
    return { status: e.status, description: e.description, cause: e.cause?.message ?? JSON.stringify(e.cause ?? '') }
  }
  throw new Error('expected a rejection')
}

describe('auth0()', () => {
  const options = auth0({ domain: 'dev-abc.us.auth0.com', audience: 'https://api.example.com' })
  const guard = at(options)
  const shape = { provider: 'auth0', domain: 'dev-abc.us.auth0.com', audience: 'https://api.example.com', clientId: 'm2m-client' } as const

  it('builds the documented issuer, JWKS, permission and client claims', () => {
    expect(options).toMatchObject({
      issuer: 'https://dev-abc.us.auth0.com/',
      jwksUri: 'https://dev-abc.us.auth0.com/.well-known/jwks.json',
      audience: ['https://api.example.com'],
      scopeClaim: ['scope', 'permissions'],
    })
    expect(auth0({ domain: 'https://dev-abc.us.auth0.com/', audience: 'x' }).issuer).toBe('https://dev-abc.us.auth0.com/')
  })

  it('accepts a client-credentials token; RBAC permissions and scope are both permissions; clientId from azp', async () => {
    const auth = await guard.verify(await as.signAs({ ...shape, scope: 'read:data', permissions: ['write:data'] }))
    expect(auth.clientId).toBe('m2m-client')
    expect(auth.subject).toBe('m2m-client@clients')
    expect(auth.scopes).toEqual(['read:data', 'write:data'])
  })

  it('refuses another API’s token and an ID token (aud is the client id) with unexpected audience', async () => {
    expect(await refusal(guard.verify(await as.signAs({ ...shape, audience: 'https://other.example.com' })))).toMatchObject({
      status: 401,
      description: 'unexpected audience',
      cause: expect.stringContaining('https://other.example.com'),
    })
    expect(await refusal(guard.verify(await as.signAs({ ...shape, kind: 'id' })))).toMatchObject({ description: 'unexpected audience' })
  })

  it('refuses another tenant’s token with unexpected issuer', async () => {
    const r = await refusal(guard.verify(await as.signAs({ ...shape, domain: 'evil.eu.auth0.com' })))
    expect(r).toMatchObject({ status: 401, description: 'unexpected issuer', cause: expect.stringContaining('evil.eu.auth0.com') })
  })
})

describe('entra()', () => {
  const single = at(entra({ tenant: TENANT, audience: API_APP }))
  const v1 = { provider: 'entra', version: 1, tenant: TENANT, audience: `api://${API_APP}`, clientId: CLIENT_APP } as const
  const v2 = { ...v1, version: 2, audience: API_APP } as const

  it('accepts v1 (appid, api:// audience) and v2 (azp, bare app id) app-only tokens; roles are permissions', async () => {
    const one = await single.verify(await as.signAs({ ...v1, roles: ['Reports.Read.All'] }))
    expect(one).toMatchObject({ clientId: CLIENT_APP, scopes: ['Reports.Read.All'] })
    expect(one.claims.ver).toBe('1.0')
    const two = await single.verify(await as.signAs({ ...v2, roles: ['Reports.Read.All'], scp: 'user_impersonation' }))
    expect(two).toMatchObject({ clientId: CLIENT_APP, scopes: ['user_impersonation', 'Reports.Read.All'] })
  })

  it('refuses another tenant (issuer), a tid that disagrees with the issuer, and the wrong audience', async () => {
    expect(await refusal(single.verify(await as.signAs({ ...v2, tenant: OTHER_TENANT })))).toMatchObject({
      description: 'unexpected issuer',
      cause: expect.stringContaining(OTHER_TENANT),
    })
    expect(await refusal(single.verify(await as.signAs({ ...v2, claims: { tid: OTHER_TENANT } })))).toMatchObject({
      description: 'unexpected tid',
      cause: expect.stringContaining(OTHER_TENANT),
    })
    expect(await refusal(single.verify(await as.signAs({ ...v2, audience: CLIENT_APP })))).toMatchObject({
      description: 'unexpected audience',
    })
  })

  it('refuses an ID token even when its aud is the API’s own app id (no azp/appid)', async () => {
    const r = await refusal(single.verify(await as.signAs({ ...v2, kind: 'id', clientId: API_APP })))
    expect(r).toMatchObject({
      status: 401,
      description: 'missing client id',
      cause: expect.stringContaining('"reason":"client_id_missing","claims":["azp","appid"]'),
    })
  })

  it('says why a Microsoft Graph token (nonce header) can never verify', async () => {
    const graph = await as.signAs({ ...v2, graph: true })
    const r = await refusal(single.verify(graph))
    expect(r).toMatchObject({ status: 401, description: 'invalid signature', cause: expect.stringContaining('Microsoft Graph') })
  })

  it('multi-tenant: only the listed tenants, each with v1 and v2 issuers; the common keys', async () => {
    const options = entra({ tenant: [TENANT, OTHER_TENANT], audience: `api://${API_APP}` })
    expect(options.issuer).toEqual([
      `https://sts.windows.net/${TENANT}/`,
      `https://login.microsoftonline.com/${TENANT}/v2.0`,
      `https://sts.windows.net/${OTHER_TENANT}/`,
      `https://login.microsoftonline.com/${OTHER_TENANT}/v2.0`,
    ])
    expect(options.jwksUri).toBe('https://login.microsoftonline.com/common/discovery/v2.0/keys')
    expect(options.audience).toEqual([`api://${API_APP}`, API_APP])
    const guard = at(options)
    await expect(guard.verify(await as.signAs({ ...v2, tenant: OTHER_TENANT }))).resolves.toMatchObject({ clientId: CLIENT_APP })
    const third = 'c0ffee00-0000-4000-8000-000000000000'
    expect(await refusal(guard.verify(await as.signAs({ ...v1, tenant: third })))).toMatchObject({ description: 'unexpected issuer' })
  })

  it('never "any tenant": common/organizations/consumers and domain names are refused at startup', () => {
    for (const tenant of ['common', 'organizations', 'Consumers']) {
      expect(() => entra({ tenant, audience: API_APP })).toThrow(/any tenant; list the tenant ids/)
    }
    expect(() => entra({ tenant: 'contoso.onmicrosoft.com', audience: API_APP })).toThrow(/tenant\) id GUID/)
    expect(() => entra({ tenant: TENANT, audience: API_APP, versions: [3 as 1] })).toThrow(/versions/)
  })

  it('versions: [2] accepts v2 only', async () => {
    const guard = at(entra({ tenant: TENANT, audience: API_APP, versions: [2] }))
    expect(await refusal(guard.verify(await as.signAs({ ...v1, roles: ['x'] })))).toMatchObject({ description: 'unexpected issuer' })
  })
})

describe('okta()', () => {
  const guard = at(okta({ domain: 'dev-123456.okta.com' }))
  const shape = { provider: 'okta', domain: 'dev-123456.okta.com', clientId: '0oa1b2c3d4' } as const

  it('accepts a default-server token: scp array as permissions, cid as client', async () => {
    const auth = await guard.verify(await as.signAs({ ...shape, scp: ['reports:read'] }))
    expect(auth).toMatchObject({ clientId: '0oa1b2c3d4', scopes: ['reports:read'] })
    expect(auth.claims.iss).toBe('https://dev-123456.okta.com/oauth2/default')
  })

  it('refuses an ID token (aud is the client, no cid), another server, another audience', async () => {
    expect(await refusal(guard.verify(await as.signAs({ ...shape, kind: 'id' })))).toMatchObject({ description: 'unexpected audience' })
    // Even when a client's ID token names an accepted audience, it has no cid.
    expect(await refusal(guard.verify(await as.signAs({ ...shape, kind: 'id', clientId: 'api://default' })))).toMatchObject({
      description: 'missing client id',
    })
    expect(await refusal(guard.verify(await as.signAs({ ...shape, authorizationServer: 'aus9xyz' })))).toMatchObject({
      description: 'unexpected issuer',
    })
    expect(await refusal(guard.verify(await as.signAs({ ...shape, audience: 'api://other' })))).toMatchObject({
      description: 'unexpected audience',
    })
  })

  it('custom servers need their audience; the issuer and JWKS follow the server id', () => {
    expect(() => okta({ domain: 'dev-1.okta.com', authorizationServer: 'aus9xyz' })).toThrow(/audience/)
    expect(okta({ domain: 'dev-1.okta.com', authorizationServer: 'aus9xyz', audience: 'api://reports' })).toMatchObject({
      issuer: 'https://dev-1.okta.com/oauth2/aus9xyz',
      jwksUri: 'https://dev-1.okta.com/oauth2/aus9xyz/v1/keys',
      audience: ['api://reports'],
      clientIdClaim: 'cid',
    })
  })
})

describe('keycloak()', () => {
  const options = keycloak({ baseUrl: 'https://sso.example.com/', realm: 'acme', clientId: 'reports-api' })
  const guard = at(options)
  const shape = {
    provider: 'keycloak',
    baseUrl: 'https://sso.example.com',
    realm: 'acme',
    clientId: 'reports-cron',
    audience: 'reports-api',
  } as const

  it('builds realm issuer and certs URL; realm and client roles are permissions', async () => {
    expect(options).toMatchObject({
      issuer: 'https://sso.example.com/realms/acme',
      jwksUri: 'https://sso.example.com/realms/acme/protocol/openid-connect/certs',
      audience: 'reports-api',
    })
    const auth = await guard.verify(
      await as.signAs({ ...shape, realmRoles: ['admin'], clientRoles: { 'reports-api': ['reports:read'], other: ['not-ours'] } }),
    )
    expect(auth.clientId).toBe('reports-cron')
    expect(auth.scopes).toEqual(['profile', 'email', 'admin', 'reports:read'])
  })

  it('refuses an ID token (typ ID), a refresh token, a token without the audience mapper (aud account)', async () => {
    expect(await refusal(guard.verify(await as.signAs({ ...shape, kind: 'id', clientId: 'reports-api' })))).toMatchObject({
      description: 'unexpected typ',
      cause: expect.stringContaining('"ID"'),
    })
    expect(await refusal(guard.verify(await as.signAs({ ...shape, claims: { typ: 'Refresh' } })))).toMatchObject({
      description: 'unexpected typ',
    })
    expect(await refusal(guard.verify(await as.signAs({ ...shape, audience: undefined })))).toMatchObject({
      description: 'unexpected audience',
      cause: expect.stringContaining('"account"'),
    })
  })

  it('refuses another realm, and bad arguments at startup', async () => {
    expect(await refusal(guard.verify(await as.signAs({ ...shape, realm: 'master' })))).toMatchObject({ description: 'unexpected issuer' })
    expect(() => keycloak({ baseUrl: 'https://sso.example.com/realms/acme', realm: 'acme', clientId: 'x' })).toThrow(/without \/realms/)
    expect(() => keycloak({ baseUrl: 'sso.example.com', realm: 'acme', clientId: 'x' })).toThrow(/baseUrl/)
    expect(() => keycloak({ baseUrl: 'https://sso.example.com', realm: 'acme', clientId: 'a.b' })).toThrow(/clientId/)
    expect(() => keycloak({ baseUrl: 'https://sso.example.com', realm: 'realms/acme', clientId: 'x' })).toThrow(/realm name/)
  })
})

describe('cognito()', () => {
  const options = cognito({ region: 'eu-west-1', userPoolId: 'eu-west-1_AbCdEfGhI', clientIds: ['app-client-1'] })
  const guard = at(options)
  const shape = { provider: 'cognito', region: 'eu-west-1', userPoolId: 'eu-west-1_AbCdEfGhI', clientId: 'app-client-1' } as const

  it('replaces the audience with client_id ∈ clientIds and token_use access (no aud on the token)', async () => {
    expect(options.audience).toEqual({ replacedBy: { token_use: 'access', client_id: ['app-client-1'] } })
    const token = await as.signAs(shape)
    const auth = await guard.verify(token)
    expect(auth).toMatchObject({ clientId: 'app-client-1', scopes: ['resource-server/read'] })
    expect(auth.claims.aud).toBeUndefined()
  })

  it('refuses another app client, an ID token (token_use id), another pool', async () => {
    expect(await refusal(guard.verify(await as.signAs({ ...shape, clientId: 'other-client' })))).toMatchObject({
      status: 401,
      description: 'unexpected client_id',
      cause: expect.stringContaining('"other-client"'),
    })
    expect(await refusal(guard.verify(await as.signAs({ ...shape, kind: 'id' })))).toMatchObject({
      description: 'unexpected token_use',
      cause: expect.stringContaining('"id"'),
    })
    expect(await refusal(guard.verify(await as.signAs({ ...shape, userPoolId: 'eu-west-1_Other' })))).toMatchObject({
      description: 'unexpected issuer',
    })
  })

  it('refuses arguments from the wrong region or shape at startup', () => {
    expect(() => cognito({ region: 'eu-west-1', userPoolId: 'us-east-1_AbC', clientIds: ['x'] })).toThrow(/another region/)
    expect(() => cognito({ region: 'Ireland', userPoolId: 'x', clientIds: ['x'] })).toThrow(/region/)
    expect(() => cognito({ region: 'eu-west-1', userPoolId: 'eu-west-1_AbC', clientIds: [] })).toThrow(/clientIds/)
  })
})

describe('presets for hurried users', () => {
  it('a typo in a preset argument fails at startup instead of dropping a check', () => {
    expect(() => auth0({ domain: 'a.auth0.com', audiance: 'x' } as never)).toThrow(/unknown option "audiance"/)
    expect(() => auth0({ domain: 'https://a.auth0.com/path', audience: 'x' })).toThrow(/bare host name/)
    expect(() => (auth0 as (o: unknown) => unknown)(undefined)).toThrow(/expects an options object/)
  })

  it('overriding by spreading works, and removing the audience replacement cannot pass silently', () => {
    const options = cognito({ region: 'eu-west-1', userPoolId: 'eu-west-1_AbC', clientIds: ['x'] })
    const { audience: _dropped, ...withoutAudience } = options
    expect(() => createGuard(withoutAudience as never)).toThrow(/"audience"/)
    expect(() => createGuard({ ...options, audience: { replacedBy: {} } })).toThrow(/at least one claim/)
    expect(() => createGuard({ ...options, audience: { replacedBy: { client_id: [] } } })).toThrow(/audience.replacedBy.client_id/)
    expect(() => createGuard({ ...options, audience: { replacedby: { client_id: 'x' } } } as never)).toThrow(/audience/)
    expect(createGuard({ ...auth0({ domain: 'a.auth0.com', audience: 'x' }), realm: 'api' })).toBeTruthy()
  })
})
