/**
 * The guard's DPoP stage, between the access token's verification and the claims-level result: which
 * challenge context a request gets, and the proof check for a token presented under the `DPoP` scheme.
 * The token's own verification (and the verified-token cache) is untouched: a cache hit skips the token's
 * signature, never the proof, which is new on every request.
 */
import { type ChallengeContext, InvalidTokenError } from '../errors.js'
import { rejection } from '../rejection.js'
import type { AuthInfo, BearerRequest } from '../types.js'
import type { AuthScheme } from './challenge.js'
import { type DpopResourceMetadata, dpopResourceMetadata } from './metadata.js'
import type { ResolvedDpopOptions } from './options.js'
import { createProofVerifier } from './proof.js'

export interface DpopStage {
  readonly required: boolean
  readonly metadata: DpopResourceMetadata
  /** The challenge context for a request that used `scheme` (`undefined`: no credentials seen). */
  contextFor(scheme: AuthScheme | undefined): ChallengeContext
  /** Checks the request's proof against a verified token; resolves the token's auth when it holds. */
  bind(request: BearerRequest, token: string, auth: AuthInfo): Promise<AuthInfo>
}

export function createDpopStage(dpop: ResolvedDpopOptions, base: ChallengeContext, clock: () => number): DpopStage {
  const verifier = createProofVerifier(dpop, clock)
  const algs = dpop.algorithmList.join(' ')
  const bearer = !dpop.required
  const make = (scheme: AuthScheme | undefined): ChallengeContext =>
    Object.freeze({ realm: base.realm, resourceMetadata: base.resourceMetadata, dpop: Object.freeze({ algs, bearer, scheme }) })
  const contexts = { none: make(undefined), Bearer: make('Bearer'), DPoP: make('DPoP') }
  return {
    required: dpop.required,
    metadata: dpopResourceMetadata(dpop),
    contextFor: (scheme) => (scheme === undefined ? contexts.none : contexts[scheme]),
    bind(request, token, auth) {
      // RFC 9449 §7.1: the DPoP scheme is for DPoP-bound tokens only.
      if (auth.dpop === undefined)
        return Promise.reject(
          new InvalidTokenError('DPoP scheme used with a token that is not DPoP-bound', { cause: rejection('dpop_token_not_bound', {}) }),
        )
      try {
        return verifier.check(request, token, auth.dpop.jkt).then(() => auth)
      } catch (error) {
        return Promise.reject(error)
      }
    },
  }
}
