/** `fetch` with the client's bearer token, and one retry with a new token if the API says it is invalid. */
import type { TokenClient } from './token-client.js'

export async function authorizedFetch(tokens: TokenClient, url: string | URL, init: RequestInit = {}): Promise<Response> {
  const send = async (): Promise<Response> => {
    const headers = new Headers(init.headers)
    headers.set('authorization', `Bearer ${(await tokens.getToken()).value}`)
    return fetch(url, { ...init, headers })
  }
  const response = await send()
  // A token can die early (revoked, signing key retired): RFC 6750 §3.1 says so with `invalid_token`.
  if (response.status !== 401 || !/error="invalid_token"/.test(response.headers.get('www-authenticate') ?? '')) return response
  await response.body?.cancel()
  tokens.invalidate()
  return send()
}
