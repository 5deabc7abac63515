/**
 * The Fastify plugin: decorates `request.auth`, verifies in one hook for the scope it is registered in
 * (fastify-plugin: its parent's routes and their children), reads each route's `config.auth` once when the
 * route is registered, and answers failures itself so every 401/403 carries its `WWW-Authenticate`.
 */
import {
  type AuthInfo,
  BearerError,
  type BearerRequest,
  causeChain,
  type Guard,
  MissingTokenError,
  mayCarryBodyToken,
  outageLogOf,
  readScopeArguments,
  type ScopeCheck,
  type ScopeMode,
} from '@bearer-guard/core'
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest, RouteOptions } from 'fastify'
import fp from 'fastify-plugin'
import { claimScope, routeLabel } from './declared-routes.js'
import { type FastifyBearerAuthOptions, resolvePluginOptions } from './options.js'
import { registerMetadataRoute } from './resource-metadata.js'
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
    /**
     * `false`: public route. `{ scopes, mode, optional }`: this route's requirement. Read once, at registration.
     * (`& object` keeps `true` and strings out even when Fastify infers the config type from the literal.)
     */
    auth?: false | (RouteAuthConfig & object)
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
  // secure: the socket's own TLS state; forwarded headers are the core's business (dpop.trustProxy), not `trustProxy`.
  const secure = (raw.socket as { encrypted?: boolean } | undefined)?.encrypted === true
  return {
    method: request.method,
    url: raw.url ?? request.url,
    headers: raw.headers,
    rawHeaders: raw.rawHeaders,
    body: request.body,
    secure,
  }
}

/**
 * Replies with a BearerError's status, headers and `{ error, error_description }`; anything else goes to the
 * error handler. Each refusal is logged at debug level with its server-side reason (`cause`), so
 * `logger: { level: 'debug' }` answers "why was this token refused?" without flooding production logs.
 */
function replyWith(reply: FastifyReply, error: unknown): FastifyReply {
  if (!BearerError.is(error)) throw error
  const { log } = reply.request
  // pino's isLevelEnabled spares building the reason of every refusal when debug is off.
  if ((log as { isLevelEnabled?: (level: string) => boolean }).isLevelEnabled?.('debug') ?? true) {
    log.debug(
      { err: error, reason: causeChain(error.cause) },
      `bearer-guard: refused ${error.status}${error.code === undefined ? '' : ` ${error.code}`}: ${error.description}`,
    )
  }
  return reply
    .code(error.statusCode)
    .headers({ ...error.headers })
    .send(error.toJSON())
}

/** Every hook `app.requireScopes` made, so route registration can tell where they were placed. */
const scopeHooks = new WeakSet<object>()

/** Route hook stages that run before `preValidation`, where form posts are verified when body tokens are on. */
const BEFORE_PRE_VALIDATION = ['onRequest', 'preParsing'] as const

function hooksOf(route: RouteOptions, stage: string): unknown[] {
  const value = (route as unknown as Record<string, unknown>)[stage]
  return value === undefined ? [] : Array.isArray(value) ? value : [value]
}

function onlyGetOrHead(route: RouteOptions): boolean {
  const methods = Array.isArray(route.method) ? route.method : [route.method]
  return methods.every((method) => method === 'GET' || method === 'HEAD')
}

const bearerAuthPlugin: FastifyPluginAsync<FastifyBearerAuthOptions> = async (fastify, options) => {
  const { guard, optional, bodyTokens, resourceMetadataRoute } = resolvePluginOptions(options)
  if (Object.hasOwn(fastify, 'requireScopes')) {
    throw new Error('@bearer-guard/fastify: already registered in this scope; register it once per scope')
  }
  // Per registration, so plugins registered in nested scopes each keep their own route policies.
  const policyKey = Symbol('@bearer-guard/fastify:policy')
  const fallback = defaultPolicy(optional)
  // Routes this registration's onRoute did not see (registered before it): compiled on first use, per config.
  const late = new WeakMap<object, RoutePolicy>()
  // Form posts whose verification waits for preValidation (body tokens only).
  const pending = new WeakSet<FastifyRequest>()
  const scopeHook = fastify.requireScopes

  if (!fastify.hasRequestDecorator('auth')) fastify.decorateRequest('auth', undefined)
  fastify.decorate('requireScopes', function requireScopes(...args: unknown[]) {
    const { scopes, mode } = readScopeArguments('app.requireScopes', args)
    const hook = requireScopesHook(guard, scopes, mode, pending)
    scopeHooks.add(hook)
    return hook
  } as FastifyInstance['requireScopes'])
  claimScope(fastify, { validate: (auth, label) => compileRoutePolicy(auth, guard, fallback, label) })

  fastify.addHook('onRoute', (route) => {
    const label = routeLabel(route)
    const policy = compileRoutePolicy(route.config?.auth, guard, fallback, label)
    checkScopeHooks(route, label, policy, bodyTokens, [fastify.requireScopes, scopeHook])
    // A copy: a config object shared between routes must not carry one route's policy to another.
    route.config = { ...route.config, [policyKey]: policy } as typeof route.config
  })

  // After the onRoute hook, so the route's `config.auth: false` is compiled like any public route's.
  if (resourceMetadataRoute) registerMetadataRoute(fastify, guard)

  const policyOf = (request: FastifyRequest): RoutePolicy => {
    const config = request.routeOptions.config as ({ [policyKey]?: RoutePolicy; auth?: unknown } & object) | undefined
    if (config === undefined) return fallback
    const compiled = config[policyKey]
    if (compiled !== undefined) return compiled
    // Registered before this plugin (same scope, an earlier child, an un-awaited register): the declared
    // requirement still holds. ready() has already validated it (declared-routes.ts).
    if (config.auth === undefined) return fallback
    let policy = late.get(config)
    if (policy === undefined) {
      policy = compileRoutePolicy(config.auth, guard, fallback, routeLabel(request.routeOptions))
      late.set(config, policy)
    }
    return policy
  }

  const outage = outageLogOf(guard)
  const authenticate = async (request: FastifyRequest, reply: FastifyReply, policy: Exclude<RoutePolicy, false>) => {
    let auth: AuthInfo | undefined
    try {
      auth = await guard.authenticate(toBearerRequest(request), policy.authenticateOptions)
    } catch (error) {
      // Answered here, so Fastify would log nothing but "request completed ... 503": the outage goes to the
      // request logger when it starts (with its cause), once a minute while it lasts, and when it ends.
      const notice = outage.failed(error)
      if (notice !== undefined) request.log[notice.level]({ err: notice }, notice.message)
      return replyWith(reply, error)
    }
    if (auth === undefined) return
    request.auth = auth
    const recovered = outage.succeeded()
    if (recovered !== undefined) request.log.info(recovered.message)
    try {
      policy.check?.(auth)
    } catch (error) {
      return replyWith(reply, error)
    }
  }

  // Every request is verified here, before its body is read, unless it may carry a form-body token.
  fastify.addHook('onRequest', async function authenticateRequest(request, reply) {
    const policy = policyOf(request)
    if (policy === false) return
    if (bodyTokens && mayCarryBodyToken(request.method, request.headers['content-type'])) {
      pending.add(request)
      return
    }
    return authenticate(request, reply, policy)
  })

  if (bodyTokens) {
    fastify.addHook('preValidation', async function authenticateFormPost(request, reply) {
      if (!pending.delete(request)) return
      const policy = policyOf(request)
      if (policy === false) return
      return authenticate(request, reply, policy)
    })
  }
}

/**
 * Refuses, when a route is registered, `app.requireScopes` hooks that could never pass: on a public route
 * (nothing authenticates), before `preValidation` on a route that may receive form posts verified there,
 * and `app.requireScopes` itself passed uncalled.
 */
function checkScopeHooks(route: RouteOptions, label: string, policy: RoutePolicy, bodyTokens: boolean, uncalled: unknown[]): void {
  const fail = (problem: string): never => {
    throw new TypeError(`@bearer-guard/fastify: route ${label}: ${problem}`)
  }
  for (const stage of ['onRequest', 'preParsing', 'preValidation', 'preHandler']) {
    for (const hook of hooksOf(route, stage)) {
      if (uncalled.includes(hook)) fail(`${stage} has app.requireScopes itself; call it: { ${stage}: app.requireScopes('read:data') }`)
      if (!scopeHooks.has(hook as object)) continue
      if (policy === false)
        fail('config.auth is false (public), so app.requireScopes would answer 401 to every request; remove one of them')
      if (bodyTokens && !onlyGetOrHead(route) && (BEFORE_PRE_VALIDATION as readonly string[]).includes(stage)) {
        fail(
          `app.requireScopes is in ${stage}, but form posts are verified in preValidation (body tokens are enabled), ` +
            'so it would run before authentication; put it in preHandler, or use config: { auth: { scopes: [...] } }',
        )
      }
    }
  }
}

function requireScopesHook(guard: Guard, scopes: readonly string[], mode: ScopeMode, pending: WeakSet<FastifyRequest>): RequireScopesHook {
  const check: ScopeCheck = guard.scopeCheck(scopes, mode)
  return async function requireScopes(request, reply) {
    if (pending.has(request)) {
      // An app-level hook placed before the form post's verification: refuse loudly rather than 401 a valid token.
      request.log.error(
        '@bearer-guard/fastify: app.requireScopes ran before this form post was authenticated (it is verified in preValidation); add the hook in preHandler',
      )
      return reply.code(500).send({ error: 'server_error', error_description: 'authorization misconfigured' })
    }
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
