/** The three example APIs behind one start function, so the demo (and its flag) can pick any of them. */
import { startServer as startExpress } from '@bearer-guard/example-express'
import { startServer as startFastify } from '@bearer-guard/example-fastify'
import { startServer as startKoa } from '@bearer-guard/example-koa'

export const FRAMEWORKS = ['express', 'koa', 'fastify'] as const
export type Framework = (typeof FRAMEWORKS)[number]

export const FRAMEWORK_NAMES: Readonly<Record<Framework, string>> = { express: 'Express', koa: 'Koa', fastify: 'Fastify' }

export function isFramework(value: string): value is Framework {
  return (FRAMEWORKS as readonly string[]).includes(value)
}

export const startApi = { express: startExpress, koa: startKoa, fastify: startFastify } as const
