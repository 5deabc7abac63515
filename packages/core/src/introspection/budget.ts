/**
 * A token bucket of introspection calls: `perSecond` refill, a burst of the same size. Every distinct junk
 * token would otherwise cost a call to the authorization server; past the budget the guard answers 503
 * without calling, as the unknown-`kid` cooldown does for JWKS refetches.
 */
export class CallBudget {
  readonly #perSecond: number
  readonly #now: () => number
  #tokens: number
  #updatedAt: number

  constructor(perSecond: number, now: () => number) {
    this.#perSecond = perSecond
    this.#now = now
    this.#tokens = Math.max(1, perSecond)
    this.#updatedAt = now()
  }

  /** Takes one call if available; otherwise returns the milliseconds until one is. */
  take(): number {
    const now = this.#now()
    const burst = Math.max(1, this.#perSecond)
    this.#tokens = Math.min(burst, this.#tokens + ((now - this.#updatedAt) / 1000) * this.#perSecond)
    this.#updatedAt = now
    if (this.#tokens >= 1) {
      this.#tokens -= 1
      return 0
    }
    return Math.ceil(((1 - this.#tokens) / this.#perSecond) * 1000)
  }
}
