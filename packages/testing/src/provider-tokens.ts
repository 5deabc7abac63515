/**
 * Access (and ID) tokens in the shapes real authorization servers emit, as their documentation describes
 * them: header members, claim names and types, issuer and audience formats. The test issuer signs them
 * with its own keys, so a guard configured by a preset verifies them once its `jwksUri` points at the
 * test issuer.
 *
 * Sources: Auth0 "Access Token Profiles" and "Validate Access Tokens"; Microsoft Entra "Access token
 * claims reference" and "ID token claims reference"; Okta "Validate access tokens" and token reference;
 * Keycloak server admin guide (access token `typ`, `realm_access`, `resource_access`, `azp`); Amazon
 * Cognito "Understanding the access token" and "the ID token".
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import type { JWTPayload } from 'jose'

/** `access` by default; `id` for an OpenID Connect ID token presented where an access token belongs. */
export type TokenKind = 'access' | 'id'

interface Common {
  /** Default `access`. */
  readonly kind?: TokenKind
  /** Claims added or overriding the shape's (`undefined` values remove a claim). */
  readonly claims?: Readonly<Record<string, unknown>>
  /** Header members added or overriding the shape's (`undefined` removes). */
  readonly header?: Readonly<Record<string, unknown>>
  /** Seconds until `exp`. Default 3600. */
  readonly expiresIn?: number
}

/** An Auth0 token: `iss` is `https://{domain}/`; access tokens are client-credentials (`sub` `{clientId}@clients`). */
export interface Auth0TokenShape extends Common {
  readonly provider: 'auth0'
  readonly domain: string
  readonly audience: string
  readonly clientId: string
  /** `scope` claim (space-delimited). */
  readonly scope?: string
  /** RBAC `permissions` claim. */
  readonly permissions?: readonly string[]
}

/** A Microsoft Entra v1 (`https://sts.windows.net/{tenant}/`) or v2 (`https://login.microsoftonline.com/{tenant}/v2.0`) token. */
export interface EntraTokenShape extends Common {
  readonly provider: 'entra'
  readonly version: 1 | 2
  readonly tenant: string
  /** `aud`; v1 tokens usually carry `api://{app-id}`, v2 the bare app id. */
  readonly audience: string
  /** The calling client's app id (`appid` in v1, `azp` in v2). */
  readonly clientId: string
  /** App-only permissions (application roles). */
  readonly roles?: readonly string[]
  /** Delegated permissions, space-delimited. */
  readonly scp?: string
  /** A Microsoft Graph token: `nonce` header, signed over its hash, so no one but Graph can verify it. */
  readonly graph?: boolean
}

/** An Okta custom authorization server token: `iss` is `https://{domain}/oauth2/{authorizationServer}`, scopes in the `scp` array. */
export interface OktaTokenShape extends Common {
  readonly provider: 'okta'
  readonly domain: string
  /** Default `default`. */
  readonly authorizationServer?: string
  /** Default `api://default`. */
  readonly audience?: string
  readonly clientId: string
  readonly scp?: readonly string[]
}

/** A Keycloak token: `iss` is `{baseUrl}/realms/{realm}`, roles in `realm_access` and `resource_access`. */
export interface KeycloakTokenShape extends Common {
  readonly provider: 'keycloak'
  readonly baseUrl: string
  readonly realm: string
  /** The client that got the token (`azp`). */
  readonly clientId: string
  /** Default `account` (Keycloak's own default, which is not your API). */
  readonly audience?: string | readonly string[]
  readonly realmRoles?: readonly string[]
  /** Client id → roles, in `resource_access`. */
  readonly clientRoles?: Readonly<Record<string, readonly string[]>>
  /** Default `profile email`. */
  readonly scope?: string
}

/** An Amazon Cognito token: `iss` is `https://cognito-idp.{region}.amazonaws.com/{userPoolId}`; access tokens carry no `aud`. */
export interface CognitoTokenShape extends Common {
  readonly provider: 'cognito'
  readonly region: string
  readonly userPoolId: string
  readonly clientId: string
  /** Default `resource-server/read`. */
  readonly scope?: string
}

/** The argument of {@link TestIssuer.signAs}: one provider's token shape, chosen by `provider`. */
export type ProviderTokenShape = Auth0TokenShape | EntraTokenShape | OktaTokenShape | KeycloakTokenShape | CognitoTokenShape

export interface ShapedToken {
  readonly header: Record<string, unknown>
  readonly claims: JWTPayload
  /** Set for Entra Graph tokens: the `nonce` to put in the header after signing over its hash. */
  readonly graphNonce?: string
}

const guid = (): string => randomUUID()
const opaqueId = (): string => randomBytes(16).toString('base64url')

export function shapeToken(shape: ProviderTokenShape, kid: string): ShapedToken {
  const now = Math.floor(Date.now() / 1000)
  const exp = now + (shape.expiresIn ?? 3600)
  const kind = shape.kind ?? 'access'
  let header: Record<string, unknown>
  let claims: Record<string, unknown>
  let graphNonce: string | undefined
  switch (shape.provider) {
    case 'auth0': {
      const iss = `https://${shape.domain}/`
      header = { alg: 'RS256', typ: 'JWT', kid }
      claims =
        kind === 'access'
          ? {
              iss,
              sub: `${shape.clientId}@clients`,
              aud: shape.audience,
              iat: now,
              exp,
              ...(shape.scope === undefined ? {} : { scope: shape.scope }),
              gty: 'client-credentials',
              azp: shape.clientId,
              ...(shape.permissions === undefined ? {} : { permissions: [...shape.permissions] }),
            }
          : { iss, sub: `auth0|${opaqueId()}`, aud: shape.clientId, iat: now, exp, sid: opaqueId(), nonce: opaqueId(), name: 'Test User' }
      break
    }
    case 'entra': {
      const tid = shape.tenant
      const iss = shape.version === 1 ? `https://sts.windows.net/${tid}/` : `https://login.microsoftonline.com/${tid}/v2.0`
      const oid = guid()
      // v1 keys are named twice: `x5t` and `kid` hold the same thumbprint.
      header = { typ: 'JWT', alg: 'RS256', ...(shape.version === 1 ? { x5t: kid } : {}), kid }
      const base = { iss, iat: now, nbf: now, exp, aio: opaqueId(), oid, rh: `0.${opaqueId()}.`, sub: oid, tid, uti: opaqueId() }
      if (kind === 'access') {
        claims = {
          aud: shape.graph === true ? '00000003-0000-0000-c000-000000000000' : shape.audience,
          ...base,
          ...(shape.version === 1
            ? { appid: shape.clientId, appidacr: '1', idp: `https://sts.windows.net/${tid}/` }
            : { azp: shape.clientId, azpacr: '1' }),
          ...(shape.roles === undefined ? {} : { roles: [...shape.roles] }),
          ...(shape.scp === undefined ? {} : { scp: shape.scp }),
          ver: shape.version === 1 ? '1.0' : '2.0',
        }
      } else {
        // ID tokens: `aud` is the client's app id, no `azp`/`appid`, no `scp`.
        claims = { aud: shape.clientId, ...base, name: 'Test User', preferred_username: 'user@example.test', nonce: opaqueId(), ver: '2.0' }
      }
      if (shape.graph === true) graphNonce = opaqueId()
      break
    }
    case 'okta': {
      const iss = `https://${shape.domain}/oauth2/${shape.authorizationServer ?? 'default'}`
      header = { kid, alg: 'RS256' }
      claims =
        kind === 'access'
          ? {
              ver: 1,
              jti: `AT.${opaqueId()}`,
              iss,
              aud: shape.audience ?? 'api://default',
              iat: now,
              exp,
              cid: shape.clientId,
              scp: [...(shape.scp ?? [])],
              sub: shape.clientId,
            }
          : {
              sub: `00u${opaqueId().slice(0, 17)}`,
              ver: 1,
              iss,
              aud: shape.clientId,
              iat: now,
              exp,
              jti: `ID.${opaqueId()}`,
              amr: ['pwd'],
              idp: `00o${opaqueId().slice(0, 17)}`,
              auth_time: now,
            }
      break
    }
    case 'keycloak': {
      const iss = `${shape.baseUrl.replace(/\/+$/, '')}/realms/${shape.realm}`
      header = { alg: 'RS256', typ: 'JWT', kid }
      const sub = guid()
      claims =
        kind === 'access'
          ? {
              exp,
              iat: now,
              jti: guid(),
              iss,
              aud: shape.audience === undefined ? 'account' : shape.audience,
              sub,
              typ: 'Bearer',
              azp: shape.clientId,
              acr: '1',
              realm_access: { roles: [...(shape.realmRoles ?? ['offline_access', 'uma_authorization'])] },
              resource_access: Object.fromEntries(
                Object.entries(shape.clientRoles ?? {}).map(([client, roles]) => [client, { roles: [...roles] }]),
              ),
              scope: shape.scope ?? 'profile email',
              clientHost: '127.0.0.1',
              email_verified: false,
              preferred_username: `service-account-${shape.clientId}`,
              client_id: shape.clientId,
            }
          : {
              exp,
              iat: now,
              jti: guid(),
              iss,
              aud: shape.clientId,
              sub,
              typ: 'ID',
              azp: shape.clientId,
              at_hash: opaqueId(),
              acr: '1',
              email_verified: false,
              preferred_username: 'test-user',
            }
      break
    }
    case 'cognito': {
      const iss = `https://cognito-idp.${shape.region}.amazonaws.com/${shape.userPoolId}`
      header = { kid, alg: 'RS256' }
      claims =
        kind === 'access'
          ? {
              sub: shape.clientId,
              token_use: 'access',
              scope: shape.scope ?? 'resource-server/read',
              auth_time: now,
              iss,
              exp,
              iat: now,
              version: 2,
              jti: guid(),
              client_id: shape.clientId,
            }
          : {
              sub: guid(),
              aud: shape.clientId,
              email_verified: true,
              token_use: 'id',
              auth_time: now,
              iss,
              'cognito:username': 'test-user',
              exp,
              iat: now,
              email: 'user@example.test',
            }
      break
    }
    default:
      throw new TypeError(`signAs: unknown provider ${JSON.stringify((shape as { provider?: unknown }).provider)}`)
  }
  return {
    header: prune({ ...header, ...shape.header }),
    claims: prune({ ...claims, ...shape.claims }) as JWTPayload,
    ...(graphNonce ? { graphNonce } : {}),
  }
}

function prune(record: Record<string, unknown>): Record<string, unknown> {
  for (const name of Object.keys(record)) if (record[name] === undefined) delete record[name]
  return record
}

/** What Graph signs over: the header whose `nonce` is replaced by the SHA-256 of the nonce sent. */
export function hashedNonce(nonce: string): string {
  return createHash('sha256').update(nonce).digest('hex')
}
