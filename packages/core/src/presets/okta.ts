/**
 * Okta custom authorization servers (including the one named `default`). Access tokens: `iss`
 * `https://{domain}/oauth2/{authorizationServer}`, `aud` the server's audience (`api://default` for the
 * default server), scopes in `scp` (an array), the client in `cid`, keys at `{issuer}/v1/keys`. Tokens from
 * the org authorization server (`iss` `https://{domain}`) are meant for Okta's own APIs and cannot be
 * validated by yours; this preset does not accept them.
 */
import type { GuardOptions } from '../options.js'
import { hostName, knownKeys, nonEmptyString, presetError, requireObject, stringList } from './common.js'

export interface OktaPresetOptions {
  /** Okta domain, e.g. `dev-123456.okta.com` (or your custom domain). */
  readonly domain: string
  /** Authorization server id from Security → API → Authorization Servers. Default `'default'`. */
  readonly authorizationServer?: string
  /** The authorization server's Audience setting. Default `'api://default'`, only for the `default` server. */
  readonly audience?: string | readonly string[]
}

export function okta(options: OktaPresetOptions): GuardOptions {
  const args = requireObject('okta', options)
  knownKeys('okta', args, ['domain', 'authorizationServer', 'audience'])
  const domain = hostName('okta', 'domain', args.domain)
  const server =
    args.authorizationServer === undefined ? 'default' : nonEmptyString('okta', 'authorizationServer', args.authorizationServer)
  if (!/^[A-Za-z0-9_-]+$/.test(server))
    throw presetError('okta', 'authorizationServer', 'must be the authorization server id (letters, digits, - and _)')
  if (args.audience === undefined && server !== 'default') {
    throw presetError('okta', 'audience', `is required for authorization server ${server} (its Audience setting)`)
  }
  const issuer = `https://${domain}/oauth2/${server}`
  return {
    issuer,
    jwksUri: `${issuer}/v1/keys`,
    audience: args.audience === undefined ? 'api://default' : stringList('okta', 'audience', args.audience),
    algorithms: ['RS256'],
    strict: false,
    scopeClaim: ['scp'],
    // ID tokens have no `cid`: requiring it keeps them out even when their `aud` were accepted.
    clientIdClaim: 'cid',
  }
}
