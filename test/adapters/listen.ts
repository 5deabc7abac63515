/** A started `node:http` server (Express, Koa) as a {@link RunningApp} on 127.0.0.1. */
import { once } from 'node:events'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { RunningApp } from './routes.js'

export async function listenOn(server: Server): Promise<RunningApp> {
  if (!server.listening) await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  }
}
