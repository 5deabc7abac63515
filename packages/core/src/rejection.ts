/**
 * Why a request was refused, for the operator: the `cause` of every {@link BearerError} the guard makes.
 *
 * One shape for every rejection: a stable `reason` code (switch on it, never on messages), the token's
 * `alg`/`kid` once its header was read, and the details of that kind of rejection (expected and actual
 * values, the URL that failed). Causes are built only when a request is refused: the success path
 * allocates none. They never reach the client: `cause` is a non-enumerable property the adapters do not
 * render, and the response keeps its fixed `error_description`.
 *
 * @module
 */
import type { JsonValue } from './types.js'

/** The details each kind of rejection carries, by `reason`. */
export interface RejectionDetails {
  // ----- request (RFC 6750 §2) -----
  /** No bearer credentials at all (401 with a bare challenge). */
  token_missing: { readonly scheme?: string }
  /** `Authorization: Bearer` with nothing after it, or an empty `access_token` parameter. */
  token_empty: { readonly location: 'header' | 'query' | 'body' }
  /** Several `Authorization` headers. */
  multiple_authorization_headers: Record<never, never>
  /** `Authorization: Bearer` followed by something that is not one b64token. */
  malformed_authorization_header: Record<never, never>
  /** A Bearer credential inside a comma-joined list of credentials. */
  multiple_credentials: Record<never, never>
  /** Token in more than one of header, query and body. */
  token_in_several_places: { readonly locations: readonly ('header' | 'query' | 'body')[] }
  /** Several `access_token` parameters (query or body), or one that is not a single string. */
  multiple_access_token_parameters: { readonly location: 'query' | 'body' }
  /** An `access_token` parameter that is not a b64token. */
  malformed_access_token_parameter: { readonly location: 'query' | 'body' }
  // ----- token structure and header -----
  /** Longer than `maxTokenLength`. */
  token_too_large: { readonly length: number; readonly limit: number }
  /** Not three base64url segments of JSON objects; `detail` says which part. */
  malformed_token: { readonly detail: string }
  /** A JWE (five segments). */
  encrypted_token: Record<never, never>
  /** No signature segment. */
  missing_signature: Record<never, never>
  /** The signature segment is not canonical base64url (dangling character, spare bits set). */
  signature_encoding: Record<never, never>
  /** `alg` is not in the allow-list (`none`, HS* without a secret, or just not configured). */
  algorithm_not_allowed: { readonly allowed: readonly string[] }
  /** A `crit` header (no JWS extension is understood). */
  critical_header: Record<never, never>
  /** `b64: false` (RFC 7797). */
  unencoded_payload: Record<never, never>
  /** `typ` is not accepted (`strict` wants `at+jwt`; `dpop+jwt`, `logout+jwt`, ... are never tokens). */
  token_type_not_allowed: { readonly typ: JsonValue | undefined; readonly strict: boolean }
  // ----- keys and signature -----
  /** No key of the JWKS (or secret) matches the token's `alg`/`kid`, after the one refetch the cooldown allows. */
  unknown_key: { readonly jwksUri?: string | undefined; readonly hint?: string | undefined }
  /** The signature does not verify with the selected key(s). */
  signature_invalid: { readonly jwksUri?: string | undefined; readonly keysTried: number; readonly hint?: string | undefined }
  // ----- claims -----
  /** `iss` is not one of the configured issuers (compared exactly: a trailing slash matters). */
  issuer_mismatch: { readonly expected: readonly string[]; readonly actual: JsonValue | undefined }
  /** No `aud` value is one of the configured audiences (or `aud` is malformed). */
  audience_mismatch: { readonly expected: readonly string[]; readonly actual: JsonValue | undefined }
  /** A claim from `requiredClaims` (or `strict`, or `maxTokenAge`'s `iat`) is absent. */
  claim_missing: { readonly claim: string }
  /** A registered claim has the wrong type (`exp` not a number, `sub` not a string, `cnf` not an object, ...). */
  claim_invalid: { readonly claim: string; readonly actual: JsonValue | undefined }
  /** `exp` is past (seconds since the epoch; `now` is the guard's clock). */
  token_expired: { readonly exp: number; readonly now: number; readonly clockTolerance: number }
  /** `nbf` is in the future. */
  token_not_yet_valid: { readonly nbf: number; readonly now: number; readonly clockTolerance: number }
  /** `iat` is further in the future than the clock tolerance (policy; see the README). */
  token_issued_in_future: { readonly iat: number; readonly now: number; readonly clockTolerance: number }
  /** Older than `maxTokenAge`. */
  token_too_old: { readonly iat: number; readonly now: number; readonly maxTokenAge: number }
  /** `cnf` binds the token to a key (DPoP `jkt`, mTLS `x5t#S256`, RFC 7800 `jwk`/`jku`/`kid`, ...) whose possession is not proven. */
  sender_constrained_token: { readonly methods: readonly string[] }
  /** A provider rule (`claimValues`, a preset's `tid`/`token_use`/`typ`, an audience replacement) refused a claim value. */
  claim_value_mismatch: { readonly claim: string; readonly actual: JsonValue | undefined; readonly expected: readonly JsonValue[] }
  /** `clientIdClaim` is set and none of its claims is a string (often an ID token presented as an access token). */
  client_id_missing: { readonly claims: readonly string[] }
  // ----- introspection (RFC 7662) -----
  /** Refused without a call: the token cannot be one of this server's (length, characters, `tokenPattern`). */
  introspection_not_attempted: { readonly detail: string }
  /** The endpoint answered `active: false` (unknown, expired or revoked token). */
  token_inactive: Record<never, never>
  /** The introspection call budget is spent (503). */
  introspection_budget_exhausted: { readonly callsPerSecond: number }
  /** The introspection endpoint failed (503): down, slow, not JSON, no boolean `active`. */
  introspection_unavailable: { readonly url?: string | undefined; readonly detail: string; readonly error: unknown }
  // ----- application -----
  /** The `validate` hook returned something else than `true` or nothing; `returned` is its type (`'false'`, `'null'`, `'number'`, ...). */
  validate_rejected: { readonly returned: string }
  /** The `validate` hook threw (or rejected) with something else than a BearerError. */
  validate_threw: { readonly error: unknown }
  /** The token lacks scopes the route requires. */
  insufficient_scope: { readonly required: readonly string[]; readonly granted: readonly string[]; readonly mode: 'all' | 'any' }
  /** Any other failure while verifying (a bug, or a throwing `fetch`/`clock` option). */
  verification_error: { readonly error: unknown }
  // ----- DPoP (RFC 9449) -----
  /** The `DPoP` proof is missing, malformed, stale, replayed, or does not match the request; `detail` says which check. */
  dpop_proof_invalid: { readonly detail: string; readonly error?: unknown }
  /** The proof carries no nonce, or a stale one: answered `use_dpop_nonce` with a fresh `DPoP-Nonce`. */
  dpop_nonce_required: { readonly detail: string }
  /** The proof is signed by another key than the one the token is bound to (`cnf.jkt`). */
  dpop_key_mismatch: Record<never, never>
  /** `dpop.mode: 'required'` and the request used the Bearer scheme. */
  dpop_required: Record<never, never>
  /** The DPoP scheme with a token that is not DPoP-bound (no `cnf.jkt`). */
  dpop_token_not_bound: Record<never, never>
  /** The replay store did not answer (down, slow, full): 503, failing closed. */
  replay_store_unavailable: { readonly detail: string; readonly error: unknown }
  // ----- upstream (503) -----
  /**
   * The signing keys could not be had: JWKS or metadata endpoint down, slow, oversized, not JSON, no usable
   * key. `url` is the document that failed (when known), `detail` the failure, `error` the original error.
   */
  keys_unavailable: {
    readonly configuration: false
    readonly issuer?: string | undefined
    readonly url?: string | undefined
    readonly detail: string
    readonly error: unknown
  }
  /**
   * Discovery found metadata whose `issuer` is not the configured issuer (RFC 8414 §3.3): a permanent
   * configuration error (often a trailing slash or a proxy's host name), answered 503 like an outage
   * because the keys cannot be had, but it will not heal by retrying: fix `issuer`.
   */
  discovery_issuer_mismatch: {
    readonly configuration: true
    readonly expected: string
    readonly actual: JsonValue | undefined
    readonly url: string
    readonly detail: string
  }
  /** A discovered `jwks_uri` refused by the URL policy (plain http, not a URL). */
  discovery_jwks_uri_refused: {
    readonly configuration: true
    readonly issuer: string
    readonly url: string
    readonly jwksUri: JsonValue | undefined
    readonly detail: string
  }
}

/** Stable code of a kind of rejection. */
export type RejectionReason = keyof RejectionDetails

/** What every cause has, whatever its reason. */
export interface RejectionCommon<R extends RejectionReason = RejectionReason> {
  readonly reason: R
  /** The token's `alg` header, once the header was read. */
  readonly alg?: string
  /** The token's `kid` header, when it has one. */
  readonly kid?: string
}

/**
 * The `cause` of a BearerError made by the guard: `reason` plus the details of that reason. A union on
 * `reason`, so `switch (cause.reason)` narrows the details.
 */
export type RejectionCause = { [R in RejectionReason]: RejectionCommon<R> & Readonly<RejectionDetails[R]> }[RejectionReason]

const REASONS: ReadonlySet<string> = new Set<RejectionReason>([
  'token_missing',
  'token_empty',
  'multiple_authorization_headers',
  'malformed_authorization_header',
  'multiple_credentials',
  'token_in_several_places',
  'multiple_access_token_parameters',
  'malformed_access_token_parameter',
  'token_too_large',
  'malformed_token',
  'encrypted_token',
  'missing_signature',
  'signature_encoding',
  'algorithm_not_allowed',
  'critical_header',
  'unencoded_payload',
  'token_type_not_allowed',
  'unknown_key',
  'signature_invalid',
  'issuer_mismatch',
  'audience_mismatch',
  'claim_missing',
  'claim_invalid',
  'token_expired',
  'token_not_yet_valid',
  'token_issued_in_future',
  'token_too_old',
  'sender_constrained_token',
  'claim_value_mismatch',
  'client_id_missing',
  'introspection_not_attempted',
  'token_inactive',
  'introspection_budget_exhausted',
  'introspection_unavailable',
  'validate_rejected',
  'validate_threw',
  'insufficient_scope',
  'verification_error',
  'dpop_proof_invalid',
  'dpop_nonce_required',
  'dpop_key_mismatch',
  'dpop_required',
  'dpop_token_not_bound',
  'replay_store_unavailable',
  'keys_unavailable',
  'discovery_issuer_mismatch',
  'discovery_jwks_uri_refused',
] satisfies readonly RejectionReason[])

/** Every `reason` code, for tests and log pipelines that want to list them. */
export const REJECTION_REASONS: readonly RejectionReason[] = [...REASONS] as RejectionReason[]

/** True when `value` is a {@link RejectionCause} (the `cause` of an error the guard made, not one of yours). */
export function isRejectionCause(value: unknown): value is RejectionCause {
  return typeof value === 'object' && value !== null && REASONS.has((value as { reason?: unknown }).reason as string)
}

/** Builds a cause. Only called on a rejection path. */
export function rejection<R extends RejectionReason>(
  reason: R,
  details: Readonly<RejectionDetails[R]>,
  header?: { readonly alg?: unknown; readonly kid?: unknown },
): RejectionCause {
  const cause: Record<string, unknown> = { reason }
  if (header !== undefined) {
    if (typeof header.alg === 'string') cause.alg = header.alg
    if (typeof header.kid === 'string') cause.kid = header.kid
  }
  Object.assign(cause, details)
  return cause as unknown as RejectionCause
}

/** Adds the token's `alg`/`kid` to a cause thrown before they were known (claims are checked without the header). */
export function withHeader(cause: unknown, header: { readonly alg?: unknown; readonly kid?: unknown }): void {
  if (!isRejectionCause(cause) || cause.alg !== undefined) return
  const target = cause as { alg?: string; kid?: string }
  if (typeof header.alg === 'string') target.alg = header.alg
  if (typeof header.kid === 'string') target.kid = header.kid
}
