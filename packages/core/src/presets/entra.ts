/**
 * Microsoft Entra ID (Azure AD). Access tokens come in two versions, chosen by the API's app registration
 * (manifest `requestedAccessTokenVersion`): v1 with `iss` `https://sts.windows.net/{tid}/`, the client in
 * `appid` and `aud` usually the Application ID URI (`api://{app-id}`); v2 with `iss`
 * `https://login.microsoftonline.com/{tid}/v2.0`, the client in `azp` and `aud` the bare app id. Delegated
 * permissions are in `scp` (space-delimited), application permissions (app-only, client credentials) in
 * `roles`. Keys: `https://login.microsoftonline.com/{tenant}/discovery/v2.0/keys`.
 *
 * Multi-tenant APIs list every tenant they accept: there is no "any tenant" value, because `common`
 * would let every Entra customer on earth in.
 */
import type { GuardOptions } from '../options.js'
import { knownKeys, presetError, requireObject, stringList } from './common.js'

export interface EntraPresetOptions {
  /**
   * Directory (tenant) id GUID(s) whose tokens are accepted; several for a multi-tenant app. `common`,
   * `organizations` and `consumers` are refused: list the tenants.
   */
  readonly tenant: string | readonly string[]
  /**
   * Your API's Application (client) id, its Application ID URI, or both. An app id GUID also accepts
   * `api://{app-id}` and the reverse, the two forms v1 and v2 tokens use.
   */
  readonly audience: string | readonly string[]
  /** Token versions accepted. Default `[1, 2]`. */
  readonly versions?: readonly (1 | 2)[]
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const ANY_TENANT = new Set(['common', 'organizations', 'consumers'])

export function entra(options: EntraPresetOptions): GuardOptions {
  const args = requireObject('entra', options)
  knownKeys('entra', args, ['tenant', 'audience', 'versions'])
  const tenants = stringList('entra', 'tenant', args.tenant).map((tenant) => {
    if (ANY_TENANT.has(tenant.toLowerCase())) {
      throw presetError('entra', 'tenant', `cannot be "${tenant}": it would accept tokens from any tenant; list the tenant ids you accept`)
    }
    if (!GUID.test(tenant)) {
      throw presetError(
        'entra',
        'tenant',
        `must be a directory (tenant) id GUID, as tokens carry it in iss and tid (got ${JSON.stringify(tenant)})`,
      )
    }
    return tenant.toLowerCase()
  })
  const versions = args.versions === undefined ? [1, 2] : args.versions
  if (!Array.isArray(versions) || versions.length === 0 || versions.some((v) => v !== 1 && v !== 2)) {
    throw presetError('entra', 'versions', 'must be a non-empty array of 1 and/or 2')
  }
  const audience = new Set<string>()
  for (const value of stringList('entra', 'audience', args.audience)) {
    audience.add(value)
    if (GUID.test(value)) audience.add(`api://${value}`)
    const bare = /^api:\/\/([^/]+)$/.exec(value)?.[1]
    if (bare !== undefined && GUID.test(bare)) audience.add(bare)
  }
  const issuers: string[] = []
  for (const tid of tenants) {
    if (versions.includes(1)) issuers.push(`https://sts.windows.net/${tid}/`)
    if (versions.includes(2)) issuers.push(`https://login.microsoftonline.com/${tid}/v2.0`)
  }
  const keyTenant = tenants.length === 1 ? tenants[0] : 'common'
  return {
    issuer: issuers,
    jwksUri: `https://login.microsoftonline.com/${keyTenant}/discovery/v2.0/keys`,
    audience: [...audience],
    algorithms: ['RS256'],
    // Entra sends `typ: JWT`; no RFC 9068 profile.
    strict: false,
    scopeClaim: ['scp', 'roles'],
    // ID tokens carry neither: requiring one keeps them out even when their `aud` is your app id.
    clientIdClaim: ['azp', 'appid'],
    // The issuer already names the tenant; `tid` must agree with it.
    claimValues: { tid: tenants },
  }
}
