/**
 * `WWW-Authenticate` formatting (RFC 9110 §11.6.1, RFC 6750 §3).
 *
 * Values are quoted-strings. RFC 6750 §3 limits `error_description` to %x20-21 / %x23-5B / %x5D-7E and
 * `scope` tokens to %x21 / %x23-5B / %x5D-7E, so anything outside printable ASCII, and `"` and `\`, is
 * replaced rather than escaped: no byte that reached us from a token can end the quoted-string or the
 * header line.
 */
const UNSAFE = /[^\x20\x21\x23-\x5B\x5D-\x7E]/g

export function quoteParam(value: string): string {
  return `"${value.replace(UNSAFE, '?')}"`
}

export function formatChallenge(scheme: string, params: ReadonlyArray<readonly [string, string | undefined]>): string {
  let out = scheme
  let first = true
  for (const [name, value] of params) {
    if (value === undefined) continue
    out += `${first ? ' ' : ', '}${name}=${quoteParam(value)}`
    first = false
  }
  return out
}
