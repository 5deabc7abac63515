/**
 * The `fetch` handed to the guard: the guard makes every request itself (same limits, same URL policy);
 * this only records which URLs it asked for and keeps a bounded copy of each JSON answer, so `inspect`
 * can show the keys the guard saw without a second request.
 */
export interface CapturedResponse {
  readonly url: string
  readonly status: number
  /** Parsed JSON body, when it was JSON and within the size limit. */
  readonly body: unknown
}

export interface CapturingFetch {
  readonly fetch: typeof globalThis.fetch
  readonly responses: CapturedResponse[]
  /** Waits for the copies of answers already received. */
  settled(): Promise<void>
}

export function createCapturingFetch(maxBytes: number): CapturingFetch {
  const responses: CapturedResponse[] = []
  const pending: Promise<void>[] = []
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const response = await globalThis.fetch(input, init)
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    const copy = response.clone()
    pending.push(
      readCapped(copy, maxBytes).then((text) => {
        let body: unknown
        try {
          body = text === undefined ? undefined : JSON.parse(text)
        } catch {
          body = undefined
        }
        responses.push({ url, status: response.status, body })
      }),
    )
    return response
  }
  return { fetch, responses, settled: () => Promise.all(pending).then(() => undefined) }
}

async function readCapped(response: Response, maxBytes: number): Promise<string | undefined> {
  const reader = response.body?.getReader()
  if (reader === undefined) return undefined
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      size += value.byteLength
      if (size > maxBytes) {
        await reader.cancel().catch(() => {})
        return undefined
      }
      chunks.push(value)
    }
  } catch {
    return undefined
  }
  return Buffer.concat(chunks).toString('utf8')
}
