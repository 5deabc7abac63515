/** Assertions shared by the core and adapter runs of the corpus. */
import { expect } from 'vitest'
import type { Rejection, Verdict } from '../corpus.js'
import type { Outcome } from './world.js'

/** The exact `WWW-Authenticate` a rejection must carry (no realm configured). */
export function challengeFor(rejection: Rejection): string {
  if (rejection.code === undefined) return 'Bearer'
  return `Bearer error="${rejection.code}", error_description="${rejection.description}"`
}

export function expectVerdict(actual: Outcome, verdict: Verdict, token?: string): void {
  if (verdict === 'accept') {
    if (!actual.ok) expect.fail(`expected acceptance, got ${actual.status} ${actual.code} "${actual.description}"`)
    if (token !== undefined) expect(actual.auth?.token).toBe(token)
    return
  }
  if (actual.ok) expect.fail(`expected ${verdict.status} ${verdict.code} "${verdict.description}", but the token was accepted`)
  expect({ status: actual.status, code: actual.code, description: actual.description }).toEqual(verdict)
  expect(actual.error.headers['www-authenticate']).toBe(challengeFor(verdict))
}
