/**
 * What a protected resource advertises about DPoP in its RFC 9728 metadata (§2): the proof algorithms it
 * accepts and whether it accepts only DPoP-bound tokens. Derived from the guard's resolved `dpop` group.
 */
import type { ResolvedDpopOptions } from './options.js'

/** The RFC 9728 §2 members for DPoP, ready to spread into a protected resource metadata document. */
export interface DpopResourceMetadata {
  readonly dpop_signing_alg_values_supported: readonly string[]
  readonly dpop_bound_access_tokens_required: boolean
}

export function dpopResourceMetadata(dpop: ResolvedDpopOptions): DpopResourceMetadata {
  return Object.freeze({
    dpop_signing_alg_values_supported: Object.freeze([...dpop.algorithmList]),
    dpop_bound_access_tokens_required: dpop.required,
  })
}
