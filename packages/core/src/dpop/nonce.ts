/**
 * Stateless server nonces (RFC 9449 §9). A nonce is `<window>.<mac>`: the number of the current time
 * window (base 36) and a truncated HMAC-SHA-256 of it under the configured secret. Every API instance
 * sharing the secret issues and accepts the same nonces without shared state; a nonce is accepted during
 * its own window and the next one, so it lives between one and two `rotation` periods.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'

export interface NonceSource {
  /** The nonce of the current window, for a `DPoP-Nonce` header. */
  current(nowMs: number): string
  /** True when `nonce` was issued by this secret in the current or the previous window. */
  accepts(nonce: unknown, nowMs: number): boolean
}

/** 128 bits of MAC: far beyond guessing within a window. */
const MAC_BYTES = 16
const MAX_NONCE_LENGTH = 64

export function createNonceSource(secret: Uint8Array, rotationSeconds: number): NonceSource {
  const periodMs = rotationSeconds * 1000
  const macOf = (window: number): Buffer =>
    createHmac('sha256', secret).update(`bearer-guard dpop-nonce ${window}`).digest().subarray(0, MAC_BYTES)
  let cached: { window: number; nonce: string } | undefined
  const windowOf = (nowMs: number): number => Math.floor(nowMs / periodMs)
  return {
    current(nowMs) {
      const window = windowOf(nowMs)
      if (cached?.window !== window) cached = { window, nonce: `${window.toString(36)}.${macOf(window).toString('base64url')}` }
      return cached.nonce
    },
    accepts(nonce, nowMs) {
      if (typeof nonce !== 'string' || nonce.length > MAX_NONCE_LENGTH) return false
      const dot = nonce.indexOf('.')
      if (dot <= 0 || !/^[0-9a-z]+$/.test(nonce.slice(0, dot))) return false
      const window = Number.parseInt(nonce.slice(0, dot), 36)
      const now = windowOf(nowMs)
      if (window !== now && window !== now - 1) return false
      const given = Buffer.from(nonce.slice(dot + 1), 'base64url')
      // Re-encoding rejects non-canonical spellings of the same MAC.
      if (given.length !== MAC_BYTES || given.toString('base64url') !== nonce.slice(dot + 1)) return false
      return timingSafeEqual(given, macOf(window))
    },
  }
}
