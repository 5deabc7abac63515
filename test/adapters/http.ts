/** A minimal HTTP client on node:http: unlike fetch, it can send a header twice (for the duplicate-header cases). */
import { type IncomingHttpHeaders, type OutgoingHttpHeaders, request } from 'node:http'

/** Header values; an array sends that header once per element. */
export type RequestHeaders = Readonly<Record<string, string | readonly string[]>>

export interface Response {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  readonly text: string
  json(): unknown
}

export function send(url: string, options: { method?: string; headers?: RequestHeaders; body?: string } = {}): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers as OutgoingHttpHeaders, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('error', reject)
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) })
      })
    })
    req.on('error', reject)
    req.end(options.body)
  })
}
