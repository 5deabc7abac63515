/**
 * DPoP for the daemon (RFC 9449): a key pair held in memory for the process's lifetime, and `fetch` with a
 * DPoP-bound token and a fresh proof per request, made by oauth4webapi's DPoP handle.
 */
import * as oauth from 'oauth4webapi'
import type { TokenClient } from './token-client.js'

/** A new DPoP key pair (non-extractable) and oauth4webapi's handle for it. Pass it as `dpop` to the token client too. */
export async function createDpopHandle(alg: 'ES256' | 'EdDSA' = 'ES256'): Promise<oauth.DPoPHandle> {
  return oauth.DPoP({}, await oauth.generateKeyPair(alg))
}

export interface DpopFetchInit {
  readonly method?: string
  readonly headers?: Record<string, string>
  readonly body?: string
}

const isLoopback = (url: URL): boolean => url.protocol === 'http:' && (url.hostname === 'localhost' || url.hostname.startsWith('127.'))

/**
 * `Authorization: DPoP <token>` plus a `DPoP` proof for this method and URL. Retries once when the API
 * asks for a server nonce (`use_dpop_nonce`: the handle keeps the nonce) and once with a new token on
 * `invalid_token`. Challenges come back as the API's response (oauth4webapi throws on them), like `fetch`.
 */
export async function dpopFetch(
  tokens: TokenClient,
  dpop: oauth.DPoPHandle,
  url: string | URL,
  init: DpopFetchInit = {},
): Promise<Response> {
  const target = new URL(url)
  const send = async (): Promise<Response> =>
    oauth.protectedResourceRequest((await tokens.getToken()).value, init.method ?? 'GET', target, new Headers(init.headers), init.body, {
      DPoP: dpop,
      ...(isLoopback(target) ? { [oauth.allowInsecureRequests]: true } : {}),
    })
  let retried = false
  for (;;) {
    try {
      return await send()
    } catch (error) {
      if (!(error instanceof oauth.WWWAuthenticateChallengeError)) throw error
      if (retried) return error.response
      retried = true
      if (oauth.isDPoPNonceError(error)) continue
      if (error.cause.some((challenge) => challenge.parameters.error === 'invalid_token')) {
        tokens.invalidate()
        continue
      }
      return error.response
    }
  }
}
