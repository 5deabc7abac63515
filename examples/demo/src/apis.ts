/** The three example APIs behind one start function, so the demo (and its flag) can pick any of them. */
import { startServer as startExpress } from '@bearer-guard/example-express'
import { startServer as startFastify } from '@bearer-guard/example-fastify'
import { startServer as startKoa } from '@bearer-guard/example-koa'

export const startApi = { express: startExpress, koa: startKoa, fastify: startFastify } as const
