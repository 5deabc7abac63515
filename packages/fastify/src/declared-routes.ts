/**
 * Makes a declared `config.auth` impossible to ignore. The plugin reads `config.auth` in its `onRoute` hook,
 * which only sees routes registered after it, in its own scope. A route registered earlier, or in a scope
 * the plugin does not cover (a sibling plugin, the root when the plugin sits in a child), would otherwise
 * keep its declaration while nothing enforces it. So every Fastify instance created after this module is
 * loaded gets (through Fastify's `fastify.initialization` diagnostics channel) one `onRoute` hook that
 * records the routes declaring `config.auth`, and one `onReady` hook that makes `ready()` reject, naming the
 * route, when such a route has no covering plugin registration or a bad `config.auth`. Instances whose
 * routes declare no `config.auth` are left alone.
 */
import { subscribe } from 'node:diagnostics_channel'
import type { FastifyInstance, RouteOptions } from 'fastify'

/** What a plugin registration leaves on the instance it covers (inherited by its child scopes). */
export interface ScopeOwner {
  /** Compiles `auth` as this registration would, throwing a `TypeError` naming `route` when it is bad. */
  validate(auth: unknown, route: string): void
}

/** `Symbol.for`, so two copies of this package recognise each other's registrations. */
const OWNER = Symbol.for('@bearer-guard/fastify:scope-owner')
const WATCHED = Symbol.for('@bearer-guard/fastify:watched')

type Marked = { [OWNER]?: ScopeOwner; [WATCHED]?: true }

/** Marks `instance` (and so every scope below it) as covered by a plugin registration. */
export function claimScope(instance: FastifyInstance, owner: ScopeOwner): void {
  ;(instance as Marked)[OWNER] = owner
}

export function routeLabel(route: { readonly method?: RouteOptions['method'] | undefined; readonly url?: string | undefined }): string {
  return `${Array.isArray(route.method) ? route.method.join(',') : route.method} ${route.url}`
}

interface Declared {
  readonly instance: FastifyInstance
  readonly route: RouteOptions
}

function watch(root: FastifyInstance): void {
  const marked = root as Marked
  // Two copies of this package share the channel: one watcher per instance is enough.
  if (marked[WATCHED]) return
  marked[WATCHED] = true
  const declared: Declared[] = []
  root.addHook('onRoute', function recordDeclaredAuth(this: FastifyInstance, route) {
    const auth = (route.config as { auth?: unknown } | undefined)?.auth
    if (auth !== undefined && auth !== false) declared.push({ instance: this, route })
  })
  root.addHook('onReady', async function checkDeclaredAuth() {
    for (const { instance, route } of declared.splice(0)) {
      // Read now: the plugin's own onRoute may have replaced the config object with its compiled copy.
      const auth = (route.config as { auth?: unknown } | undefined)?.auth
      if (auth === undefined || auth === false) continue
      const owner = (instance as Marked)[OWNER]
      const label = routeLabel(route)
      if (owner === undefined) {
        throw new Error(
          `@bearer-guard/fastify: route ${label} declares config.auth, but the plugin is not registered in its scope ` +
            'or a parent scope, so nothing would enforce it. Register bearerAuth in a scope that contains the route ' +
            '(it covers the scope it is registered in and that scope’s children), or remove config.auth.',
        )
      }
      owner.validate(auth, label)
    }
  })
}

subscribe('fastify.initialization', (message) => {
  watch((message as { fastify: FastifyInstance }).fastify)
})
