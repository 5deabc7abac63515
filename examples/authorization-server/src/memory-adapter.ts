/**
 * A small in-memory storage adapter. The client credentials grant with JWT access tokens stores next to
 * nothing, so a Map is enough for a demo; a real deployment plugs in a shared database instead. Having our
 * own also keeps oidc-provider's "development-only adapter" warning out of the demo's story.
 */
interface Entry {
  readonly payload: Record<string, unknown>
  readonly expiresAt: number
}

/** One storage per authorization server, shared by the Provider instances it swaps in on key rotation. */
export function createMemoryAdapter(): (model: string) => MemoryAdapter {
  const stores = new Map<string, Map<string, Entry>>()
  return (model) => {
    let store = stores.get(model)
    if (store === undefined) {
      store = new Map()
      stores.set(model, store)
    }
    return new MemoryAdapter(store)
  }
}

export class MemoryAdapter {
  readonly #store: Map<string, Entry>

  constructor(store: Map<string, Entry>) {
    this.#store = store
  }

  async upsert(id: string, payload: Record<string, unknown>, expiresInSeconds?: number): Promise<void> {
    this.#store.set(id, {
      payload,
      expiresAt: expiresInSeconds === undefined ? Number.POSITIVE_INFINITY : Date.now() + expiresInSeconds * 1000,
    })
  }

  async find(id: string): Promise<Record<string, unknown> | undefined> {
    const entry = this.#store.get(id)
    if (entry === undefined) return undefined
    if (entry.expiresAt <= Date.now()) {
      this.#store.delete(id)
      return undefined
    }
    return entry.payload
  }

  async findByUid(uid: string): Promise<Record<string, unknown> | undefined> {
    return this.#findBy('uid', uid)
  }

  async findByUserCode(userCode: string): Promise<Record<string, unknown> | undefined> {
    return this.#findBy('userCode', userCode)
  }

  async consume(id: string): Promise<void> {
    const entry = this.#store.get(id)
    if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000)
  }

  async destroy(id: string): Promise<void> {
    this.#store.delete(id)
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    for (const [id, entry] of this.#store) if (entry.payload.grantId === grantId) this.#store.delete(id)
  }

  #findBy(member: string, value: string): Record<string, unknown> | undefined {
    for (const entry of this.#store.values()) if (entry.payload[member] === value && entry.expiresAt > Date.now()) return entry.payload
    return undefined
  }
}
