/**
 * Mints the benchmark's tokens with node:crypto and the test issuer's own private keys. The testing kit's
 * `issuer.sign` goes through jose's WebCrypto path; 10,000 RS256 tokens that way would take longer than a
 * quick run may. The tokens are the same shape `issuer.sign` mints (typ at+jwt, kid, iss, aud, sub,
 * client_id, iat, exp, jti, scope), so every contender verifies exactly what a real issuer would send.
 */
import { KeyObject, randomUUID, sign } from 'node:crypto'

const SIGN_PARAMS = {
  RS256: { hash: 'sha256', dsaEncoding: undefined },
  ES256: { hash: 'sha256', dsaEncoding: 'ieee-p1363' },
  EdDSA: { hash: null, dsaEncoding: undefined },
}

const b64url = (value) => Buffer.from(JSON.stringify(value)).toString('base64url')

/** A function minting distinct valid tokens for one of the issuer's keys. */
export function tokenMinter(issuer, kid, alg) {
  const key = KeyObject.from(issuer.privateKey(kid))
  const { hash, dsaEncoding } = SIGN_PARAMS[alg]
  const signKey = dsaEncoding ? { key, dsaEncoding } : key
  const header = b64url({ alg, typ: 'at+jwt', kid })
  return (extra = {}) => {
    const now = Math.floor(Date.now() / 1000)
    const payload = b64url({
      iss: issuer.issuer,
      aud: issuer.audience,
      sub: 'bench-client',
      client_id: 'bench-client',
      iat: now,
      exp: now + 3600,
      jti: randomUUID(),
      scope: 'read:things write:things',
      ...extra,
    })
    const input = `${header}.${payload}`
    return `${input}.${sign(hash, Buffer.from(input), signKey).toString('base64url')}`
  }
}

/** The same token with one signature byte changed: well formed, right key, wrong signature. */
export function forge(token) {
  const dot = token.lastIndexOf('.')
  const signature = Buffer.from(token.slice(dot + 1), 'base64url')
  signature[signature.length >> 1] ^= 0x01
  return `${token.slice(0, dot + 1)}${signature.toString('base64url')}`
}

export function mint(minter, count) {
  const out = new Array(count)
  for (let i = 0; i < count; i++) out[i] = minter()
  return out
}
