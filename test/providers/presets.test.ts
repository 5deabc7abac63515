/**
 * Every provider preset through every adapter, over HTTP on 127.0.0.1: a provider-shaped token from the
 * testing kit gets in with its permissions, and the provider's look-alikes (ID token, another audience or
 * client, another tenant) get a 401 `invalid_token` naming why.
 */
import type { GuardOptions } from '@bearer-guard/core'
import { auth0, cognito, entra, keycloak, okta } from '@bearer-guard/core/presets'
import { createTestIssuer, type ProviderTokenShape } from '@bearer-guard/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type App, call, FRAMEWORKS, startApp } from './apps.js'

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47'
const API_APP = '6e74172b-be56-4843-9ff4-e66a39bb12e3'
const CLIENT_APP = '3fa8b1d4-2c1e-4f1a-9a0b-6f0f4c3d2e1a'

interface PresetCase {
  readonly name: string
  readonly options: GuardOptions
  /** A good token, the permission it grants, the client it names. */
  readonly good: ProviderTokenShape
  readonly permission: string
  readonly clientId: string
  /** Look-alikes that must fail, with the description each gets. */
  readonly bad: ReadonlyArray<readonly [string, ProviderTokenShape, string]>
}

const auth0Shape = { provider: 'auth0', domain: 'dev-abc.us.auth0.com', audience: 'https://api.example.com', clientId: 'm2m' } as const
const entraShape = { provider: 'entra', version: 2, tenant: TENANT, audience: API_APP, clientId: CLIENT_APP } as const
const oktaShape = { provider: 'okta', domain: 'dev-1.okta.com', clientId: '0oa1' } as const
const kcShape = {
  provider: 'keycloak',
  baseUrl: 'https://sso.example.com',
  realm: 'acme',
  clientId: 'cron',
  audience: 'reports-api',
} as const
const cognitoShape = { provider: 'cognito', region: 'eu-west-1', userPoolId: 'eu-west-1_AbC', clientId: 'app-1' } as const

const CASES: readonly PresetCase[] = [
  {
    name: 'auth0',
    options: auth0({ domain: 'dev-abc.us.auth0.com', audience: 'https://api.example.com' }),
    good: { ...auth0Shape, permissions: ['read:data'] },
    permission: 'read:data',
    clientId: 'm2m',
    bad: [
      ['ID token', { ...auth0Shape, kind: 'id' }, 'unexpected audience'],
      ['other API', { ...auth0Shape, audience: 'https://other.example.com' }, 'unexpected audience'],
    ],
  },
  {
    name: 'entra',
    options: entra({ tenant: TENANT, audience: API_APP }),
    good: { ...entraShape, roles: ['Reports.Read.All'] },
    permission: 'Reports.Read.All',
    clientId: CLIENT_APP,
    bad: [
      ['ID token for the API app', { ...entraShape, kind: 'id', clientId: API_APP }, 'missing client id'],
      ['other tenant', { ...entraShape, tenant: 'f8cdef31-a31e-4b4a-93e4-5f571e91255a' }, 'unexpected issuer'],
      ['Graph token', { ...entraShape, graph: true }, 'invalid signature'],
    ],
  },
  {
    name: 'okta',
    options: okta({ domain: 'dev-1.okta.com' }),
    good: { ...oktaShape, scp: ['reports:read'] },
    permission: 'reports:read',
    clientId: '0oa1',
    bad: [
      ['ID token', { ...oktaShape, kind: 'id' }, 'unexpected audience'],
      ['other audience', { ...oktaShape, audience: 'api://other' }, 'unexpected audience'],
    ],
  },
  {
    name: 'keycloak',
    options: keycloak({ baseUrl: 'https://sso.example.com', realm: 'acme', clientId: 'reports-api' }),
    good: { ...kcShape, clientRoles: { 'reports-api': ['admin'] } },
    permission: 'admin',
    clientId: 'cron',
    bad: [
      ['ID token', { ...kcShape, kind: 'id', clientId: 'reports-api' }, 'unexpected typ'],
      ['no audience mapper', { ...kcShape, audience: undefined }, 'unexpected audience'],
    ],
  },
  {
    name: 'cognito',
    options: cognito({ region: 'eu-west-1', userPoolId: 'eu-west-1_AbC', clientIds: 'app-1' }),
    good: cognitoShape,
    permission: 'resource-server/read',
    clientId: 'app-1',
    bad: [
      ['ID token', { ...cognitoShape, kind: 'id' }, 'unexpected token_use'],
      ['other app client', { ...cognitoShape, clientId: 'app-2' }, 'unexpected client_id'],
    ],
  },
]

const as = await createTestIssuer()
afterAll(() => as.close())

describe.each(FRAMEWORKS)('%s', (framework) => {
  describe.each(CASES)('$name preset', (preset) => {
    let app: App
    beforeAll(async () => {
      app = await startApp(framework, { ...preset.options, jwksUri: as.jwksUri })
    })
    afterAll(() => app.close())

    it('lets the provider’s access token through with its client and permission', async () => {
      const token = await as.signAs(preset.good)
      const me = await call(`${app.url}/me`, token)
      expect(me.status).toBe(200)
      expect(me.body.clientId).toBe(preset.clientId)
      expect((await call(`${app.url}/needs/${preset.permission}`, token)).status).toBe(200)
      const denied = await call(`${app.url}/needs/write:data`, token)
      expect(denied.status).toBe(403)
      expect(denied.headers.get('www-authenticate')).toContain('scope="write:data"')
    })

    it.each(preset.bad)('refuses %s with 401 invalid_token', async (_name, shape, description) => {
      const response = await call(`${app.url}/me`, await as.signAs(shape))
      expect(response.status).toBe(401)
      expect(response.headers.get('www-authenticate')).toContain(`error="invalid_token", error_description="${description}"`)
    })
  })
})
