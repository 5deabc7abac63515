/**
 * An imported JWKS and key selection (RFC 7515 §4.1.4, RFC 7517 §4). Selection never trusts the token
 * beyond `alg` (already allow-listed) and `kid` (an opaque lookup string).
 */
import type { Algorithm } from '../jwt/algorithms.js'
import type { VerificationKey } from '../jwt/signature.js'
import { algorithmsFor, fingerprintOf, importKeyRecord, type KeyRecord } from './import-key.js'

export interface KeyCandidate {
  readonly record: KeyRecord
  readonly key: VerificationKey
}

/** At most this many keys sharing one `kid` are tried, so a hostile JWKS cannot multiply our work. */
const MAX_CANDIDATES = 4

export class KeySet {
  readonly records: readonly KeyRecord[]
  readonly skipped: ReadonlyArray<{ readonly kid: unknown; readonly reason: string }>
  private readonly byKid = new Map<string, KeyRecord[]>()
  private readonly withoutKid: KeyRecord[] = []

  constructor(records: readonly KeyRecord[], skipped: ReadonlyArray<{ kid: unknown; reason: string }> = []) {
    this.records = records
    this.skipped = skipped
    for (const record of records) {
      if (record.kid === undefined) this.withoutKid.push(record)
      else {
        const list = this.byKid.get(record.kid)
        if (list) list.push(record)
        else this.byKid.set(record.kid, [record])
      }
    }
  }

  /**
   * Keys that may verify a token with this `alg` and `kid`. Without a `kid`, the token is only accepted
   * when exactly one key of the set fits the algorithm.
   */
  select(alg: Algorithm, kid: string | undefined): KeyCandidate[] {
    const pool = kid === undefined ? this.records : this.byKid.get(kid)
    if (pool === undefined) return []
    const out: KeyCandidate[] = []
    for (const record of pool) {
      const key = record.byAlgorithm.get(alg)
      if (key !== undefined) out.push({ record, key })
    }
    if (kid === undefined) return out.length === 1 ? out : []
    return out.slice(0, MAX_CANDIDATES)
  }

  hasKid(kid: string): boolean {
    return this.byKid.has(kid)
  }

  /**
   * Imports a JWKS document. Records whose key material is unchanged are reused from `previous`, so
   * cached verifications survive a refresh; records that disappeared are marked removed.
   */
  static async fromJwks(document: unknown, allowed: readonly Algorithm[], previous?: KeySet): Promise<KeySet> {
    if (typeof document !== 'object' || document === null || !Array.isArray((document as { keys?: unknown }).keys)) {
      throw new TypeError('JWKS has no keys array')
    }
    const reuse = new Map(previous?.records.map((r) => [r.fingerprint, r]))
    const records: KeyRecord[] = []
    const skipped: Array<{ kid: unknown; reason: string }> = []
    for (const jwk of (document as { keys: unknown[] }).keys) {
      if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) {
        skipped.push({ kid: undefined, reason: 'not an object' })
        continue
      }
      const entry = jwk as Record<string, unknown>
      // The fingerprint covers key material, not usage (key_ops, private members): reuse only a key still usable.
      const existing = typeof algorithmsFor(entry, allowed) === 'string' ? undefined : reuse.get(fingerprintOf(entry))
      if (existing) {
        reuse.delete(existing.fingerprint)
        records.push(existing)
        continue
      }
      const imported = await importKeyRecord(entry, allowed)
      if (typeof imported === 'string') skipped.push({ kid: entry.kid, reason: imported })
      else records.push(imported)
    }
    return new KeySet(records, skipped)
  }

  /** Marks every record of `old` that is not in `this` as removed. */
  retire(old: KeySet): void {
    const kept = new Set(this.records)
    for (const record of old.records) if (!kept.has(record)) record.removed = true
  }
}
