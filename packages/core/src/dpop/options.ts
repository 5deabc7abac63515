/**
 * The `dpop` option group of {@link GuardOptions}: its documentation, defaults and validation, run once by
 * `resolveOptions`. A bad value throws a `TypeError` naming it (`dpop.maxProofAge`, ...).
 */
import { createSecretKey, type KeyObject } from 'node:crypto'
import { ALGORITHMS, type AsymmetricAlgorithm, DEFAULT_ASYMMETRIC_ALGORITHMS, isAlgorithm } from '../jwt/algorithms.js'
import type { ReplayStore } from './replay-store.js'
import { normaliseHttpUri } from './target-uri.js'

/**
 * - `off`: DPoP is not accepted; a DPoP-bound token (`cnf.jkt`) is refused (today's behaviour).
 * - `allowed`: bearer tokens as before, and DPoP-bound tokens under the `DPoP` scheme with a valid proof.
 * - `required`: only DPoP-bound tokens with a valid proof; every `Bearer` request is refused.
 */
export type DpopMode = 'off' | 'allowed' | 'required'

/** Server nonces (RFC 9449 §9): stateless, rotating, shared by every instance that has the same secret. */
export interface DpopNonceOptions {
  /** HMAC secret the nonces derive from, at least 32 bytes. Give every instance of the API the same one. */
  readonly secret: string | Uint8Array | KeyObject
  /** Seconds each nonce is issued for; one is accepted for up to twice this. Default 300, from 10 to 86400. */
  readonly rotation?: number
}

/** The `dpop` option of {@link GuardOptions}: DPoP (RFC 9449) proof checking. Every field is optional; bad values throw a `TypeError`. */
export interface DpopOptions {
  /** Default `'allowed'` (the group's presence turns DPoP on); `'off'` to keep the group but disable it. */
  readonly mode?: DpopMode
  /** Proof signing algorithms accepted (asymmetric only). Default: all the guard supports, ES256 and EdDSA first. */
  readonly algorithms?: readonly AsymmetricAlgorithm[]
  /** Seconds a proof stays acceptable after its `iat`. Default 60, from 1 to 3600. Replay entries live this long. */
  readonly maxProofAge?: number
  /** Seconds of clock skew tolerated on a proof's `iat`. Default: the guard's `clockTolerance` (5). At most 300. */
  readonly clockTolerance?: number
  /**
   * Where used proofs are remembered. Default: an in-memory store (100000 entries; full, it answers 503).
   * Several API instances must share one, e.g. `@bearer-guard/redis`.
   */
  readonly replayStore?: ReplayStore
  /** Milliseconds to wait for the replay store before answering 503. Default 1000, from 1 to 60000. */
  readonly replayStoreTimeout?: number
  /** Longest `DPoP` header accepted, in characters. Default 8192, from 512 to 65536. */
  readonly maxProofLength?: number
  /**
   * The API's external origin(s), e.g. `'https://api.example.com'` (a path prefix is allowed:
   * `'https://example.com/api'`), that proofs' `htu` must name. Recommended in production and required
   * behind a proxy. Without it the origin is the connection's scheme and the `Host` header (RFC 9110 §7.1).
   */
  readonly origin?: string | readonly string[]
  /**
   * Without `origin`: take scheme and host from `Forwarded` / `X-Forwarded-Proto` / `X-Forwarded-Host`.
   * Only when a proxy you run sets (and overwrites) them: a client can send them too. Default false.
   */
  readonly trustProxy?: boolean
  /** Require server nonces (RFC 9449 §9). Default: none. */
  readonly nonce?: DpopNonceOptions
}

export interface ResolvedDpopOptions {
  readonly required: boolean
  readonly algorithms: ReadonlySet<AsymmetricAlgorithm>
  readonly algorithmList: readonly AsymmetricAlgorithm[]
  readonly maxProofAgeSeconds: number
  readonly clockToleranceSeconds: number
  /** `undefined`: the guard makes an in-memory store on its own clock. */
  readonly replayStore: ReplayStore | undefined
  readonly replayStoreTimeoutMs: number
  readonly maxProofLength: number
  readonly origins: readonly string[] | undefined
  readonly trustProxy: boolean
  readonly nonce: { readonly secret: KeyObject; readonly rotationSeconds: number } | undefined
}

/** Default proof algorithms: the two every DPoP client library offers first, then the rest. */
export const DEFAULT_DPOP_ALGORITHMS: readonly AsymmetricAlgorithm[] = [
  'ES256',
  'EdDSA',
  ...DEFAULT_ASYMMETRIC_ALGORITHMS.filter((alg) => alg !== 'ES256' && alg !== 'EdDSA'),
]

const KEYS = new Set([
  'mode',
  'algorithms',
  'maxProofAge',
  'clockTolerance',
  'replayStore',
  'replayStoreTimeout',
  'maxProofLength',
  'origin',
  'trustProxy',
  'nonce',
])

function fail(option: string, expectation: string): never {
  throw new TypeError(`createGuard: "dpop${option === '' ? '' : `.${option}`}" ${expectation}`)
}

function number(value: unknown, option: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max)
    fail(option, `must be a number from ${min} to ${max}`)
  return value
}

/** `undefined` when DPoP is off. `guardClockTolerance` is the guard's own, the default here. */
export function resolveDpopOptions(value: unknown, guardClockTolerance: number): ResolvedDpopOptions | undefined {
  if (value === undefined || value === false) return undefined
  const options = (value === true ? {} : value) as DpopOptions
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    fail('', 'must be true, false or an object of DPoP options')
  // A misspelt key (`maxAge`, `replay`) would otherwise silently leave a default in place.
  for (const key of Object.keys(options)) if (!KEYS.has(key)) fail(key, 'is not a DPoP option')
  const mode = options.mode ?? 'allowed'
  if (mode !== 'off' && mode !== 'allowed' && mode !== 'required') fail('mode', 'must be "off", "allowed" or "required"')

  const algorithmList = [...new Set(options.algorithms ?? DEFAULT_DPOP_ALGORITHMS)]
  if (!Array.isArray(options.algorithms ?? algorithmList) || algorithmList.length === 0) fail('algorithms', 'must be a non-empty array')
  for (const alg of algorithmList) {
    if (!isAlgorithm(alg) || ALGORITHMS[alg].kty === 'oct') {
      fail('algorithms', `contains ${JSON.stringify(alg)}; proofs need an asymmetric algorithm (RFC 9449 §4.2), never none or HS*`)
    }
  }

  const store = options.replayStore
  if (store !== undefined && (typeof store !== 'object' || store === null || typeof store.useOnce !== 'function')) {
    fail('replayStore', 'must be an object with a useOnce(key, ttlMs) method (see ReplayStore)')
  }

  let origins: string[] | undefined
  if (options.origin !== undefined) {
    const list = typeof options.origin === 'string' ? [options.origin] : options.origin
    if (!Array.isArray(list) || list.length === 0) fail('origin', 'must be a URL string or a non-empty array of them')
    origins = list.map((origin: unknown) => {
      if (typeof origin !== 'string') fail('origin', 'must contain URL strings only')
      const normalised = normaliseHttpUri(origin)
      if (normalised === undefined || /[?#]/.test(origin))
        fail('origin', `${JSON.stringify(origin)} is not an http(s) URL without query or fragment`)
      // Kept without a trailing slash: the request path starts with one.
      return normalised.endsWith('/') ? normalised.slice(0, -1) : normalised
    })
  }
  const trustProxy = options.trustProxy ?? false
  if (typeof trustProxy !== 'boolean') fail('trustProxy', 'must be a boolean')
  if (trustProxy && origins !== undefined) fail('trustProxy', 'cannot be combined with origin (the configured origin already wins)')

  let nonce: ResolvedDpopOptions['nonce']
  if (options.nonce !== undefined) {
    const { secret, rotation } = options.nonce as Partial<DpopNonceOptions>
    if (typeof options.nonce !== 'object' || options.nonce === null) fail('nonce', 'must be { secret, rotation }')
    let key: KeyObject
    if (typeof secret === 'string') key = createSecretKey(Buffer.from(secret, 'utf8'))
    else if (secret instanceof Uint8Array) key = createSecretKey(secret)
    else if (typeof secret === 'object' && secret !== null && (secret as KeyObject).type === 'secret') key = secret as KeyObject
    else fail('nonce.secret', 'must be a string, a Uint8Array or a secret KeyObject')
    if ((key.symmetricKeySize ?? 0) < 32) fail('nonce.secret', 'must be at least 32 bytes')
    nonce = { secret: key, rotationSeconds: number(rotation, 'nonce.rotation', 300, 10, 86_400) }
  }

  const resolved: ResolvedDpopOptions = {
    required: mode === 'required',
    algorithms: new Set(algorithmList),
    algorithmList,
    maxProofAgeSeconds: number(options.maxProofAge, 'maxProofAge', 60, 1, 3600),
    clockToleranceSeconds: number(options.clockTolerance, 'clockTolerance', guardClockTolerance, 0, 300),
    replayStore: store,
    replayStoreTimeoutMs: number(options.replayStoreTimeout, 'replayStoreTimeout', 1000, 1, 60_000),
    maxProofLength: number(options.maxProofLength, 'maxProofLength', 8192, 512, 65_536),
    origins,
    trustProxy,
    nonce,
  }
  return mode === 'off' ? undefined : resolved
}
