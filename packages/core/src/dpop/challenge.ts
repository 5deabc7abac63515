/**
 * `WWW-Authenticate` for a guard that accepts DPoP (RFC 9449 §7.1, §7.2). The error goes on the challenge
 * of the scheme the request used (on the `DPoP` one when only DPoP is accepted); in `allowed` mode the
 * other scheme's challenge is sent too, bare, so a client learns both are possible. The `DPoP` challenge
 * always carries `algs`.
 */
import { formatChallenge } from '../lib/challenge.js'

/** The `Authorization` scheme a request used, and the `WWW-Authenticate` challenge schemes the guard sends. */
export type AuthScheme = 'Bearer' | 'DPoP'

/** What the guard adds to its challenge context when DPoP is on. */
export interface DpopChallengeContext {
  /** Space-separated proof algorithms, the `algs` parameter. */
  readonly algs: string
  /** `allowed` mode: a `Bearer` challenge is sent as well. */
  readonly bearer: boolean
  /** The scheme the request used, when known. */
  readonly scheme: AuthScheme | undefined
}

interface ChallengeError {
  readonly code: string | undefined
  readonly description: string
  readonly scope?: readonly string[] | undefined
}

interface Context {
  readonly realm?: string | undefined
  readonly resourceMetadata?: string | undefined
}

export function formatDpopChallenges(error: ChallengeError, context: Context, dpop: DpopChallengeContext): string {
  const errorScheme: AuthScheme = dpop.bearer && dpop.scheme !== 'DPoP' ? 'Bearer' : 'DPoP'
  const params = (scheme: AuthScheme): Array<readonly [string, string | undefined]> => {
    const withError = scheme === errorScheme && error.code !== undefined
    return [
      ['realm', context.realm],
      ['error', withError ? error.code : undefined],
      ['error_description', withError ? error.description : undefined],
      ['scope', withError ? error.scope?.join(' ') : undefined],
      ['resource_metadata', context.resourceMetadata],
    ]
  }
  const challenge = formatChallenge('DPoP', [...params('DPoP'), ['algs', dpop.algs]])
  return dpop.bearer ? `${formatChallenge('Bearer', params('Bearer'))}, ${challenge}` : challenge
}
