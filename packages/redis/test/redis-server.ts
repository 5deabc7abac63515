/**
 * A real `redis-server` for the tests, started on a random free port on 127.0.0.1 with persistence off,
 * stopped and restarted on demand (the same port, to test reconnection). When the binary is missing the
 * tests say so in one line; under CI (`CI=true`) a missing binary is a failure, never a skip.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { createServer, Socket } from 'node:net'

export interface RedisServer {
  readonly port: number
  readonly url: string
  /** Stops the server (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>
  /** Starts it again on the same port. */
  start(): Promise<void>
}

export const INSTALL_HINT = 'install it with `apt-get install redis-server` (Debian/Ubuntu) or `brew install redis` (macOS)'

/** True when a `redis-server` binary can be run. */
export function redisServerAvailable(): boolean {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' })
  return probe.error === undefined && probe.status === 0
}

/** Under CI the Redis tests must run: a missing binary fails instead of skipping. */
export const mustRun = (): boolean => process.env.CI === 'true' || process.env.CI === '1'

async function freePort(): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  server.close()
  await once(server, 'close')
  return port
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`)
    const ok = await new Promise<boolean>((resolve) => {
      const socket = new Socket()
      socket.once('connect', () => {
        socket.destroy()
        resolve(true)
      })
      socket.once('error', () => resolve(false))
      socket.connect(port, '127.0.0.1')
    })
    if (ok) return
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error(`redis-server did not listen on ${port} within ${timeoutMs} ms`)
}

const running = new Set<ChildProcess>()
// A crashed test run must not leave servers behind.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

function launch(port: number): ChildProcess {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes'],
    {
      stdio: 'ignore',
    },
  )
  running.add(child)
  child.once('exit', () => running.delete(child))
  return child
}

export async function startRedisServer(): Promise<RedisServer> {
  let lastError: unknown
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const port = await freePort()
    let child = launch(port)
    try {
      await waitForPort(port, child)
    } catch (error) {
      lastError = error
      child.kill('SIGKILL')
      continue
    }
    const server: RedisServer = {
      port,
      url: `redis://127.0.0.1:${port}`,
      async stop() {
        if (child.exitCode !== null || child.signalCode !== null) return
        const exited = once(child, 'exit')
        child.kill('SIGTERM')
        await exited
      },
      async start() {
        child = launch(port)
        await waitForPort(port, child)
      },
    }
    return server
  }
  throw new Error('could not start redis-server', { cause: lastError })
}
