/** Starts the app on a port of 127.0.0.1 (or the given host), for `main.ts`, the demo and the tests. */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { GuardOptions } from '@bearer-guard/express'
import { createApp } from './app.js'

export type ServerOptions = GuardOptions & {
  /** Default 0: any free port. */
  readonly port?: number
  /** Default 127.0.0.1. */
  readonly host?: string
}

export interface RunningServer {
  /** `http://<host>:<port>`, no trailing slash. */
  readonly url: string
  close(): Promise<void>
}

export async function startServer({ port = 0, host = '127.0.0.1', ...guardOptions }: ServerOptions): Promise<RunningServer> {
  const server = createServer(createApp(guardOptions))
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, resolve)
  })
  const address = server.address() as AddressInfo
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
