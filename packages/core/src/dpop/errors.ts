/** The DPoP-specific rejections (RFC 9449 §7.1, §9, §12.1). All are {@link BearerError}s. */
import { BearerError, type ChallengeContext } from '../errors.js'
import { isRejectionCause, rejection } from '../rejection.js'

/** 401 `invalid_dpop_proof`: the `DPoP` header is missing, malformed, replayed or does not match the request. */
export class InvalidDpopProofError extends BearerError {
  constructor(description: string, options: { cause?: unknown } = {}, context?: ChallengeContext) {
    const cause = isRejectionCause(options.cause)
      ? options.cause
      : rejection(
          'dpop_proof_invalid',
          options.cause === undefined ? { detail: description } : { detail: description, error: options.cause },
        )
    super({ status: 401, code: 'invalid_dpop_proof', description, cause }, context)
  }
}

/** 401 `use_dpop_nonce` with a fresh `DPoP-Nonce` header: the proof must carry this server's nonce (RFC 9449 §9). */
export class UseDpopNonceError extends BearerError {
  /** The nonce the client must put in its next proof. */
  readonly nonce: string

  constructor(nonce: string, options: { cause?: unknown } = {}, context?: ChallengeContext) {
    super(
      {
        status: 401,
        code: 'use_dpop_nonce',
        description: 'resource server requires nonce in DPoP proof',
        cause: rejection('dpop_nonce_required', { detail: options.cause instanceof Error ? options.cause.message : 'nonce required' }),
        nonce,
      },
      context,
    )
    this.nonce = nonce
  }
}

/**
 * 503 with `Retry-After`: the replay store did not answer (down, slow, full). Failing closed: without it a
 * replayed proof could not be told from a new one.
 */
export class ReplayStoreUnavailableError extends BearerError {
  constructor(retryAfterSeconds: number, options: { cause?: unknown } = {}) {
    super({
      status: 503,
      code: undefined,
      description: 'replay protection temporarily unavailable',
      retryAfterSeconds,
      cause: rejection('replay_store_unavailable', {
        detail: options.cause instanceof Error ? options.cause.message : String(options.cause),
        error: options.cause,
      }),
    })
  }
}
