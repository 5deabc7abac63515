/** Shared test helpers: a controllable clock, rejection capture, and hand-made tokens for hostile cases. */
import type { KeyObject } from 'node:crypto'
import { type AuthInfo, BearerError } from '@bearer-guard/core'
import { type CryptoKey, type JWTPayload, SignJWT } from 'jose'
import { expect } from 'vitest'

/** A clock the guard reads (`clock` option); starts at a whole second so `exp` boundaries are exact. */
export interface FakeClock {
  readonly clock: () => number
  /** Current time in whole or fractional seconds. */
  readonly seconds: () => number
  advance(ms: number): void
}

export function fakeClock(startMs: number = Math.floor(Date.now() / 1000) * 1000): FakeClock {
  let now = startMs
  return {
    clock: () => now,
    seconds: () => now / 1000,
    advance(ms) {
      now += ms
    },
  }
}

/** The BearerError a promise rejects with; fails the test if it resolves or rejects with anything else. */
export async function rejection(promise: Promise<unknown>): Promise<BearerError> {
  let outcome: unknown
  try {
    await promise
  } catch (error) {
    outcome = error
  }
  if (outcome === undefined) throw new Error('expected a rejection, but the promise resolved')
  if (!BearerError.is(outcome)) throw outcome
  return outcome
}

/** The BearerError a function throws synchronously. */
export function thrown(fn: () => unknown): BearerError {
  try {
    fn()
  } catch (error) {
    if (BearerError.is(error)) return error
    throw error
  }
  throw new Error('expected a BearerError to be thrown')
}

/** Asserts a 401 `invalid_token` with this description and its exact challenge. */
export async function expectInvalidToken(promise: Promise<unknown>, description: string, realm?: string): Promise<BearerError> {
  const error = await rejection(promise)
  expect({ status: error.status, code: error.code, description: error.description }).toEqual({
    status: 401,
    code: 'invalid_token',
    description,
  })
  const prefix = realm === undefined ? 'Bearer ' : `Bearer realm="${realm}", `
  expect(error.headers['www-authenticate']).toBe(`${prefix}error="invalid_token", error_description="${description}"`)
  return error
}

/** Asserts a 503 with `Retry-After` and no challenge, whose client-visible parts say nothing of the upstream. */
export async function expectUnavailable(promise: Promise<unknown>): Promise<BearerError> {
  const error = await rejection(promise)
  expect(error.status).toBe(503)
  expect(error.code).toBeUndefined()
  expect(error.description).toBe('authorization keys temporarily unavailable')
  expect(error.message).toBe('authorization keys temporarily unavailable')
  expect(error.headers['www-authenticate']).toBeUndefined()
  expect(error.headers['cache-control']).toBe('no-store')
  expect(error.headers['retry-after']).toMatch(/^[1-9]\d*$/)
  return error
}

export function b64json(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url')
}

/** An unsigned JWS with the given parts, for structural and `alg` tests. */
export function unsigned(header: Record<string, unknown>, payload: Record<string, unknown>, signature = ''): string {
  return `${b64json(header)}.${b64json(payload)}.${signature}`
}

/** Signs arbitrary header and claims with any key, without the test issuer's defaults. */
export function signWith(key: CryptoKey | KeyObject | Uint8Array, header: { alg: string } & Record<string, unknown>, claims: JWTPayload) {
  return new SignJWT(claims).setProtectedHeader(header).sign(key)
}

/** Claims the guard accepts for a test issuer: issuer, audience, an hour of validity. */
export function validClaims(issuer: string, audience: string, nowSeconds = Math.floor(Date.now() / 1000)): JWTPayload {
  return { iss: issuer, aud: audience, sub: 'client-1', client_id: 'client-1', iat: nowSeconds, exp: nowSeconds + 3600, jti: 'j-1' }
}

/** Waits until `predicate` holds, polling; for background work the guard does not expose a promise for. */
export async function eventually(predicate: () => boolean, timeoutMs = 1500): Promise<void> {
  const start = Date.now()
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/**
 * Verifies `token` until it is in the verified-token cache and returns the cached AuthInfo. The cache admits a
 * token on its second successful verification (a doorkeeper: a stream of distinct tokens never pays for
 * retention), so a token is served from the cache from its third request on.
 */
export async function cached(guard: { verify(token: string): Promise<AuthInfo> }, token: string): Promise<AuthInfo> {
  await guard.verify(token)
  return guard.verify(token)
}
