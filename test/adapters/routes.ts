/**
 * The one app every adapter builds: the same routes with the same requirements, so the shared cases
 * exercise the same thing on each framework.
 */
import type { AuthInfo, ScopeMode } from '@bearer-guard/core'

export type RouteSpec =
  | { readonly path: string; readonly auth: 'public' | 'optional' | 'required' }
  | { readonly path: string; readonly auth: 'scoped'; readonly scopes: readonly string[]; readonly mode: ScopeMode }

export const ROUTES: readonly RouteSpec[] = [
  { path: '/public', auth: 'public' },
  { path: '/optional', auth: 'optional' },
  { path: '/me', auth: 'required' },
  { path: '/read', auth: 'scoped', scopes: ['read:data'], mode: 'all' },
  { path: '/all', auth: 'scoped', scopes: ['read:data', 'write:data'], mode: 'all' },
  { path: '/any', auth: 'scoped', scopes: ['read:data', 'admin'], mode: 'any' },
]

/** Every handler answers with what the adapter put on the request, `null`s when nothing. */
export interface AuthView {
  readonly sub: string | null
  readonly clientId: string | null
  readonly scopes: readonly string[] | null
}

export function viewOf(auth: AuthInfo | undefined | null): AuthView {
  return { sub: auth?.subject ?? null, clientId: auth?.clientId ?? null, scopes: auth?.scopes ?? null }
}

/** A running app on 127.0.0.1. */
export interface RunningApp {
  readonly url: string
  close(): Promise<void>
}

export interface Adapter {
  readonly name: string
  /** Builds and starts the app. `issuer`/`jwksUri`/`audience`/`realm` go into guard options. */
  start(options: AppOptions): Promise<RunningApp>
}

export interface AppOptions {
  readonly issuer: string
  readonly jwksUri: string
  readonly audience: string
  readonly realm: string | undefined
}
