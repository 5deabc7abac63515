/**
 * The Fastify plugin: decorates `request.auth`, verifies in one hook for the scope it is registered in
 * (fastify-plugin: its parent's routes and their children), reads each route's `config.auth` once when the
 * route is registered, and answers failures itself so every 401/403 carries its `WWW-Authenticate`.
 */
import {
  type AuthInfo,
  BearerError,
  type BearerRequest,
  type Guard,
  MissingTokenError,
  type ScopeCheck,
  type ScopeMode,
} from '@bearer-guard/core'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { type FastifyBearerAuthOptions, resolvePluginOptions } from './options.js'
import { compileRoutePolicy, defaultPolicy, type RouteAuthConfig, type RoutePolicy } from './route-policy.js'

/** Options of the `requireScopes` hook factory. */
export interface RequireScopesOptions {
  /** `'all'` (default): every scope is needed. `'any'`: one of them is enough. */
  readonly mode?: ScopeMode
}

/** A route hook (`onRequest`, `preValidation`, `preHandler`) made by `app.requireScopes`. */
export type RequireScopesHook = (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified token; `undefined` on public routes and optional-auth requests without a token. */
    auth: AuthInfo | undefined
  }
  interface FastifyContextConfig {
    /** `false`: public route. `{ scopes, mode, optional }`: this route's requirement. Read once, at registration. */
    auth?: false | RouteAuthConfig
  }
  interface FastifyInstance {
    /**
     * A hook for a route's `onRequest`/`preHandler`, answering 403 `insufficient_scope` unless
     * `request.auth` holds `scopes` (all of them, or any with `mode: 'any'`), and 401 without a token.
     * Scope names are validated now.
     */
    requireScopes(scopes: string | readonly string[], options?: RequireScopesOptions): RequireScopesHook
  }
}

function toBearerRequest(request: FastifyRequest): BearerRequest {
  const { raw } = request
  return { method: request.method, url: raw.url ?? request.url, headers: raw.headers, rawHeaders: raw.rawHeaders, body: request.body }
}

/** Replies with a BearerError's status, headers and `{ error, error_description }`; anything else goes to the error handler. */
function replyWith(reply: FastifyReply, error: unknown): FastifyReply {
  if (!BearerError.is(error)) throw error
  return reply
    .code(error.statusCode)
    .headers({ ...error.headers })
    .send(error.toJSON())
}

const bearerAuthPlugin: FastifyPluginAsync<FastifyBearerAuthOptions> = async (fastify, options) => {
  const { guard, optional, hook } = resolvePluginOptions(options)
  if (Object.hasOwn(fastify, 'requireScopes')) {
    throw new Error('@bearer-guard/fastify: already registered in this scope; register it once per scope')
  }
  // Per registration, so plugins registered in nested scopes each keep their own route policies.
  const policyKey = Symbol('@bearer-guard/fastify:policy')
  const fallback = defaultPolicy(optional)

  if (!fastify.hasRequestDecorator('auth')) fastify.decorateRequest('auth', undefined)
  fastify.decorate('requireScopes', (scopes: string | readonly string[], scopeOptions: RequireScopesOptions = {}) =>
    requireScopesHook(guard, typeof scopes === 'string' ? [scopes] : scopes, scopeOptions.mode),
  )

  fastify.addHook('onRoute', (route) => {
    const label = `${Array.isArray(route.method) ? route.method.join(',') : route.method} ${route.url}`
    const policy = compileRoutePolicy(route.config?.auth, guard, fallback, label)
    // A copy: a config object shared between routes must not carry one route's policy to another.
    route.config = { ...route.config, [policyKey]: policy } as typeof route.config
  })

  fastify.addHook(hook, async function authenticate(request, reply) {
    // Routes registered before the plugin, and the 404 handler, have no compiled policy: the default applies.
    const policy = (request.routeOptions.config as { [policyKey]?: RoutePolicy } | undefined)?.[policyKey] ?? fallback
    if (policy === false) return
    try {
      const auth = await guard.authenticate(toBearerRequest(request), policy.authenticateOptions)
      if (auth === undefined) return
      request.auth = auth
      policy.check?.(auth)
    } catch (error) {
      return replyWith(reply, error)
    }
  })
}

function requireScopesHook(guard: Guard, scopes: readonly string[], mode: ScopeMode | undefined): RequireScopesHook {
  const check: ScopeCheck = guard.scopeCheck(scopes, mode)
  return async function requireScopes(request, reply) {
    try {
      const auth = request.auth
      if (auth === undefined) throw guard.challenge(new MissingTokenError())
      check(auth)
    } catch (error) {
      return replyWith(reply, error)
    }
    return undefined
  }
}

/** `await app.register(bearerAuth, { issuer, audience })`. */
export const bearerAuth = fp(bearerAuthPlugin, { fastify: '5.x', name: '@bearer-guard/fastify' })
