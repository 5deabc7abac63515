/**
 * Why a token's signature cannot check out, when the token itself tells: a server-side `cause` for the
 * "why is my token rejected" question, never sent to the client.
 */
import type { JsonValue } from '../types.js'

/**
 * Entra ID (Azure AD) access tokens for Microsoft Graph carry a `nonce` header member and are signed over
 * a hashed nonce: by Microsoft's design only Graph can verify them. They fail every signature check.
 */
export function explainUnverifiable(header: Readonly<Record<string, JsonValue>>): Error | undefined {
  if (header.nonce !== undefined) {
    return new Error(
      'the token has a "nonce" header: an Entra ID token for Microsoft Graph, unverifiable outside Graph by design; ' +
        'request a token for your own API (scope api://<your-app-id>/.default) instead',
    )
  }
  return undefined
}
