/**
 * Amazon Cognito user pools. Access tokens carry no `aud`: the app client is in `client_id`, and
 * `token_use` is `access` (ID tokens say `id` and do carry `aud`). So the audience check is replaced by its
 * equivalent, `client_id` among your app clients and `token_use: access` (`audience: { replacedBy }`), as AWS
 * documents for verifying Cognito tokens. `iss` `https://cognito-idp.{region}.amazonaws.com/{userPoolId}`,
 * keys at `{issuer}/.well-known/jwks.json`, scopes in `scope`.
 */
import type { GuardOptions } from '../options.js'
import { knownKeys, presetError, requireObject, stringList } from './common.js'

export interface CognitoPresetOptions {
  /** AWS region of the user pool, e.g. `eu-west-1`. */
  readonly region: string
  /** User pool id, e.g. `eu-west-1_AbCdEfGhI` (it starts with the region). */
  readonly userPoolId: string
  /** App client id(s) whose access tokens this API accepts: what stands in for the audience. */
  readonly clientIds: string | readonly string[]
}

export function cognito(options: CognitoPresetOptions): GuardOptions {
  const args = requireObject('cognito', options)
  knownKeys('cognito', args, ['region', 'userPoolId', 'clientIds'])
  const { region, userPoolId } = args
  if (typeof region !== 'string' || !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
    throw presetError('cognito', 'region', `must be an AWS region such as "eu-west-1" (got ${JSON.stringify(region)})`)
  }
  if (typeof userPoolId !== 'string' || !/^[a-z]{2}(-[a-z]+)+-\d+_[A-Za-z0-9]+$/.test(userPoolId)) {
    throw presetError('cognito', 'userPoolId', `must be a user pool id such as "${region}_AbCdEfGhI" (got ${JSON.stringify(userPoolId)})`)
  }
  if (!userPoolId.startsWith(`${region}_`)) throw presetError('cognito', 'userPoolId', `belongs to another region than ${region}`)
  const issuer = `https://cognito-idp.${region}.amazonaws.com/${userPoolId}`
  return {
    issuer,
    jwksUri: `${issuer}/.well-known/jwks.json`,
    audience: { replacedBy: { token_use: 'access', client_id: stringList('cognito', 'clientIds', args.clientIds) } },
    algorithms: ['RS256'],
    strict: false,
    scopeClaim: ['scope'],
    clientIdClaim: 'client_id',
  }
}
