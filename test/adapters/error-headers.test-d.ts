/**
 * Issue 9: a BearerError's `headers` go straight into each framework's header setter under strict
 * TypeScript, as the READMEs show.
 */
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http'
import { BearerError, type BearerErrorHeaders } from '@bearer-guard/core'
import type { Response } from 'express'
import type { FastifyReply } from 'fastify'
import type { Context } from 'koa'
import { describe, expectTypeOf, it } from 'vitest'

declare const error: BearerError

describe('BearerErrorHeaders', () => {
  it('is assignable to Node, Express, Fastify and Koa header setters', () => {
    expectTypeOf<BearerErrorHeaders>().toExtend<OutgoingHttpHeaders>()
    const use = (res: ServerResponse, expressRes: Response, reply: FastifyReply, ctx: Context): void => {
      res.writeHead(error.status, error.headers)
      expressRes.status(error.status).set(error.headers)
      reply.code(error.statusCode).headers(error.headers)
      ctx.set(error.headers)
    }
    expectTypeOf(use).toBeFunction()
    expectTypeOf(BearerError.is).guards.toEqualTypeOf<BearerError>()
  })
})
