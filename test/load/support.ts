/** Load-test plumbing: cheap token minting with node:crypto and a keep-alive HTTP client with a decision check. */
import { KeyObject } from 'node:crypto'
import { Agent, request } from 'node:http'
import type { TestIssuer } from '@bearer-guard/testing'
import { b64u, signBytes } from '../security/support/jws.js'

export interface Minter {
  readonly kid: string
  /** A distinct, valid ES256 access token per call (`n` goes into jti and sub). */
  mint(n: number, claims?: Readonly<Record<string, unknown>>): string
}

/** Mints with the issuer's own (newest) ES256 key, straight through node:crypto: ~30 µs a token. */
export function minter(issuer: TestIssuer, nowSeconds = Math.floor(Date.now() / 1000)): Minter {
  const kid = issuer.kids[issuer.kids.length - 1] as string
  const key = KeyObject.from(issuer.privateKey(kid))
  const header = b64u(JSON.stringify({ alg: 'ES256', typ: 'at+jwt', kid }))
  return {
    kid,
    mint(n, claims = {}) {
      const payload = b64u(
        JSON.stringify({
          iss: issuer.issuer,
          aud: issuer.audience,
          sub: `client-${n}`,
          client_id: `client-${n}`,
          iat: nowSeconds,
          exp: nowSeconds + 3600,
          jti: `jti-${n}`,
          scope: 'read:data write:data',
          ...claims,
        }),
      )
      const input = `${header}.${payload}`
      return `${input}.${b64u(signBytes('ES256', input, key))}`
    },
  }
}

export interface HttpResult {
  readonly status: number
  readonly challenge: string | undefined
}

export function httpClient(port: number, sockets: number): { get(path: string, token?: string): Promise<HttpResult>; close(): void } {
  const agent = new Agent({ keepAlive: true, maxSockets: sockets })
  return {
    get(path, token) {
      return new Promise((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port, path, agent, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } },
          (res) => {
            res.resume()
            res.on('end', () => {
              const challenge = res.headers['www-authenticate']
              resolve({ status: res.statusCode ?? 0, challenge })
            })
          },
        )
        req.on('error', reject)
        req.end()
      })
    },
    close: () => agent.destroy(),
  }
}
