/**
 * DPoP proof verification at a resource server (RFC 9449 §4.3, §7.1): every check in the section's order
 * of cost, cheapest first, then the signature, the server nonce, and finally the replay store (so proofs
 * that fail anything else never take a slot in it). Every byte of the `DPoP` header is hostile: its size
 * is bounded before parsing, the JWS goes through the same strict parser as access tokens, the `jwk`
 * header is checked member by member before any key import, and imported keys are bounded in size.
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto'
import { BearerError, InvalidTokenError } from '../errors.js'
import { ALGORITHMS, type AsymmetricAlgorithm, MIN_RSA_MODULUS_BITS } from '../jwt/algorithms.js'
import { parseCompactJws } from '../jwt/parse.js'
import { bindKey, type VerificationKey } from '../jwt/signature.js'
import { rejection } from '../rejection.js'
import type { BearerRequest, JsonValue } from '../types.js'
import { InvalidDpopProofError, ReplayStoreUnavailableError, UseDpopNonceError } from './errors.js'
import { createNonceSource, type NonceSource } from './nonce.js'
import type { ResolvedDpopOptions } from './options.js'
import { createMemoryReplayStore, type ReplayStore } from './replay-store.js'
import { MAX_HTU_LENGTH, normaliseHttpUri, requestTargetUris } from './target-uri.js'
import { jwkThumbprint } from './thumbprint.js'

/** Longest `jti` accepted. RFC 9449 §4.2 asks for at least 96 random bits; 256 characters is plenty. */
const MAX_JTI_LENGTH = 256
/** RSA moduli above this are refused: a client-chosen key must not make verification arbitrarily slow. */
const MAX_RSA_MODULUS_BITS = 8192
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k', 'r', 't'] as const
const B64URL = /^[A-Za-z0-9_-]+$/
/** Exact base64url lengths of EC / OKP coordinates per curve (RFC 7518 §6.2.1.2, RFC 8037 §2). */
const COORDINATE_LENGTH: Readonly<Record<string, number>> = { 'P-256': 43, 'P-384': 64, 'P-521': 88, Ed25519: 43 }

/** What the guard does per DPoP request, after the access token itself has been verified. */
export interface ProofVerifier {
  /**
   * Checks the request's proof for `token`, bound to `jkt`. Throws a {@link BearerError} at once for a bad
   * proof; otherwise returns the promise of the replay store's verdict.
   */
  check(request: BearerRequest, token: string, jkt: string): Promise<void>
}

/**
 * Imported proof keys, by algorithm and thumbprint: a client signs every proof with the same key, so
 * import runs once per client key. Cleared when full: a flood of fresh keys costs only re-imports.
 */
const KEY_CACHE_LIMIT = 512

export function createProofVerifier(options: ResolvedDpopOptions, clock: () => number): ProofVerifier {
  const store: ReplayStore = options.replayStore ?? createMemoryReplayStore({ clock })
  const nonces: NonceSource | undefined =
    options.nonce === undefined ? undefined : createNonceSource(options.nonce.secret.export(), options.nonce.rotationSeconds)
  const keys = new Map<string, VerificationKey>()
  const targetSettings = { origins: options.origins, trustProxy: options.trustProxy }
  const windowSeconds = options.maxProofAgeSeconds + options.clockToleranceSeconds

  const keyFor = (alg: AsymmetricAlgorithm, jwk: Record<string, JsonValue>, thumbprint: string): VerificationKey => {
    const cacheKey = `${alg}.${thumbprint}`
    const cached = keys.get(cacheKey)
    if (cached !== undefined) return cached
    const spec = ALGORITHMS[alg]
    const members: Record<string, string> = { kty: spec.kty }
    for (const name of spec.kty === 'RSA' ? ['n', 'e'] : spec.kty === 'EC' ? ['crv', 'x', 'y'] : ['crv', 'x']) {
      members[name] = jwk[name] as string
    }
    let key: KeyObject
    try {
      key = createPublicKey({ key: members, format: 'jwk' })
    } catch (cause) {
      throw new InvalidDpopProofError('invalid DPoP proof key', { cause })
    }
    if (spec.kty === 'RSA') {
      const bits = key.asymmetricKeyDetails?.modulusLength ?? 0
      if (bits < MIN_RSA_MODULUS_BITS || bits > MAX_RSA_MODULUS_BITS) throw new InvalidDpopProofError('invalid DPoP proof key')
    }
    const bound = bindKey(alg, key)
    if (keys.size >= KEY_CACHE_LIMIT) keys.clear()
    keys.set(cacheKey, bound)
    return bound
  }

  const readProof = (request: BearerRequest): string => {
    const value = request.headers.dpop
    if (value === undefined) throw new InvalidDpopProofError('missing DPoP proof')
    if (typeof value !== 'string' || (request.rawHeaders !== undefined && countHeader(request.rawHeaders, 'dpop') > 1)) {
      throw new InvalidDpopProofError('multiple DPoP proofs')
    }
    if (value.length > options.maxProofLength) throw new InvalidDpopProofError('DPoP proof too large')
    return value
  }

  return {
    check(request, token, jkt) {
      const now = clock()
      const nowSeconds = now / 1000
      const proof = readProof(request)
      let parsed: ReturnType<typeof parseCompactJws>
      try {
        parsed = parseCompactJws(proof, options.maxProofLength)
      } catch (cause) {
        throw new InvalidDpopProofError('malformed DPoP proof', { cause })
      }
      const { header, payload } = parsed

      // Header (§4.2, §4.3 steps 4-7).
      const typ = header.typ
      if (typeof typ !== 'string' || (typ.toLowerCase() !== 'dpop+jwt' && typ.toLowerCase() !== 'application/dpop+jwt')) {
        throw new InvalidDpopProofError('DPoP proof type must be dpop+jwt')
      }
      const alg = header.alg
      if (typeof alg !== 'string' || !options.algorithms.has(alg as AsymmetricAlgorithm)) {
        throw new InvalidDpopProofError('DPoP proof algorithm not allowed')
      }
      if (header.crit !== undefined || (header.b64 !== undefined && header.b64 !== true)) {
        throw new InvalidDpopProofError('unsupported DPoP proof header')
      }
      const jwk = header.jwk
      if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) throw new InvalidDpopProofError('DPoP proof has no public key')
      if (PRIVATE_MEMBERS.some((member) => jwk[member] !== undefined)) throw new InvalidDpopProofError('DPoP proof key is not public')
      const spec = ALGORITHMS[alg as AsymmetricAlgorithm]
      if (!keyFits(jwk, spec.kty, spec.crv)) throw new InvalidDpopProofError('DPoP proof key does not fit its algorithm')

      // Claims (§4.2, §4.3 steps 3, 8, 9, 11, 12).
      const { jti, htm, htu, iat, ath } = payload
      if (typeof jti !== 'string' || jti === '' || jti.length > MAX_JTI_LENGTH) throw new InvalidDpopProofError('invalid DPoP proof jti')
      if (typeof htm !== 'string' || htm !== request.method) throw new InvalidDpopProofError('DPoP proof htm mismatch')
      if (typeof htu !== 'string' || htu.length > MAX_HTU_LENGTH) throw new InvalidDpopProofError('DPoP proof htu mismatch')
      const normalisedHtu = normaliseHttpUri(htu)
      const targets = requestTargetUris(request, targetSettings)
      if (normalisedHtu === undefined || targets === undefined || !targets.includes(normalisedHtu)) {
        throw new InvalidDpopProofError('DPoP proof htu mismatch', {
          cause: new Error(`htu ${JSON.stringify(htu.slice(0, 200))} is not ${JSON.stringify(targets ?? 'a reconstructible target')}`),
        })
      }
      if (typeof iat !== 'number' || !Number.isFinite(iat)) throw new InvalidDpopProofError('invalid DPoP proof iat')
      if (iat > nowSeconds + options.clockToleranceSeconds) throw new InvalidDpopProofError('DPoP proof issued in the future')
      if (iat < nowSeconds - windowSeconds) throw new InvalidDpopProofError('DPoP proof too old')
      if (typeof ath !== 'string' || ath !== createHash('sha256').update(token).digest('base64url')) {
        throw new InvalidDpopProofError('DPoP proof ath mismatch')
      }

      // Key binding (§4.3 step 12, §6.1): the proof key must be the one the token is bound to.
      const thumbprint = jwkThumbprint(jwk)
      if (thumbprint === undefined) throw new InvalidDpopProofError('invalid DPoP proof key')
      if (thumbprint !== jkt) throw new InvalidTokenError('DPoP key binding mismatch', { cause: rejection('dpop_key_mismatch', {}) })

      // Signature (§4.3 step 6).
      if (!keyFor(alg as AsymmetricAlgorithm, jwk, thumbprint).verify(parsed.signingInput, parsed.signature)) {
        throw new InvalidDpopProofError('invalid DPoP proof signature')
      }

      // Server nonce (§9): checked once the proof is known to be genuine.
      if (nonces !== undefined && !nonces.accepts(payload.nonce, now)) {
        throw new UseDpopNonceError(nonces.current(now), {
          cause: new Error(payload.nonce === undefined ? 'no nonce' : 'stale or unknown nonce'),
        })
      }

      // Replay (§11.1): last, so only proofs valid in every other way are remembered. The key hashes the
      // client's key and jti: fixed length whatever the jti, and one client cannot burn another's jti.
      const replayKey = createHash('sha256').update(`${thumbprint}.${jti}`).digest('base64url')
      const ttlMs = Math.max(1, Math.ceil((iat + windowSeconds) * 1000 - now))
      return useOnce(store, replayKey, ttlMs, options.replayStoreTimeoutMs).then((fresh) => {
        if (!fresh) throw new InvalidDpopProofError('DPoP proof replayed')
      })
    },
  }
}

/** The store's answer within `timeoutMs`, or a 503: an unreachable or hanging store must not pass a proof. */
function useOnce(store: ReplayStore, key: string, ttlMs: number, timeoutMs: number): Promise<boolean> {
  let answer: boolean | Promise<boolean>
  try {
    answer = store.useOnce(key, ttlMs)
  } catch (cause) {
    return Promise.reject(BearerError.is(cause) ? cause : new ReplayStoreUnavailableError(1, { cause }))
  }
  // A synchronous answer (the in-memory store) needs no timer.
  if (typeof answer === 'boolean') return Promise.resolve(answer)
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`replay store did not answer within ${timeoutMs} ms`)), timeoutMs)
  })
  return Promise.race([Promise.resolve(answer), timeout]).then(
    (fresh) => {
      clearTimeout(timer)
      if (typeof fresh !== 'boolean')
        throw new ReplayStoreUnavailableError(1, { cause: new TypeError('replay store answered a non-boolean') })
      return fresh
    },
    (cause: unknown) => {
      clearTimeout(timer)
      throw BearerError.is(cause) ? cause : new ReplayStoreUnavailableError(1, { cause })
    },
  )
}

function keyFits(jwk: Readonly<Record<string, JsonValue>>, kty: string, crv: string | undefined): boolean {
  if (jwk.kty !== kty) return false
  if (kty === 'RSA') return isB64url(jwk.n, 2048) && isB64url(jwk.e, 16)
  if (jwk.crv !== crv || crv === undefined) return false
  const length = COORDINATE_LENGTH[crv]
  if (typeof jwk.x !== 'string' || jwk.x.length !== length || !B64URL.test(jwk.x)) return false
  return kty === 'OKP' ? jwk.y === undefined : typeof jwk.y === 'string' && jwk.y.length === length && B64URL.test(jwk.y)
}

function isB64url(value: JsonValue | undefined, maxLength: number): boolean {
  return typeof value === 'string' && value.length > 0 && value.length <= maxLength && B64URL.test(value)
}

function countHeader(rawHeaders: readonly string[], lowerName: string): number {
  let count = 0
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]
    if (name !== undefined && name.length === lowerName.length && name.toLowerCase() === lowerName) count += 1
  }
  return count
}
