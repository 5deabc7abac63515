/**
 * The one list of option names the guard and the adapters accept, and the check that refuses any other.
 *
 * Why: in plain JavaScript a misspelt option (`jwksURI`, `clocktolerance`) is not an error, it is an
 * option left at its default, and for a security middleware the default of a misspelt option can be a
 * different trust decision (discovery instead of the configured JWKS). Unknown keys therefore throw a
 * `TypeError` at startup, with a "did you mean" when a known key is close.
 *
 * Adding an option: add its key to {@link GUARD_OPTION_KEYS} (the compiler insists, the record is typed by
 * `GuardOptions`), and for an option group (`dpop: {…}`) list the group's own keys where the group is
 * validated, with {@link assertKnownKeys}.
 */
import type { GuardOptions } from './options.js'

/** Every top-level key of {@link GuardOptions}. Typed so a new option cannot be forgotten here. */
export const GUARD_OPTION_KEYS: { readonly [K in keyof Required<GuardOptions>]: true } = {
  issuer: true,
  audience: true,
  jwksUri: true,
  algorithms: true,
  secret: true,
  clockTolerance: true,
  maxTokenAge: true,
  requiredClaims: true,
  strict: true,
  scopeClaim: true,
  validate: true,
  realm: true,
  resourceMetadata: true,
  protectedResource: true,
  dpop: true,
  claimValues: true,
  clientIdClaim: true,
  introspection: true,
  tokenLocations: true,
  maxTokenLength: true,
  timeoutDuration: true,
  cooldownDuration: true,
  cacheMaxAge: true,
  honorCacheControl: true,
  staleIfErrorDuration: true,
  maxResponseSize: true,
  followRedirects: true,
  allowInsecureHttp: true,
  fetch: true,
  fetchHeaders: true,
  tokenCache: true,
  ignoredConfirmationMethods: true,
  onJwksFetch: true,
  clock: true,
}

/** Keys of `tokenCache: { … }`. */
export const TOKEN_CACHE_KEYS = ['maxEntries'] as const

/** Keys every adapter's options accept besides the guard options (see `resolveAdapterOptions`). */
export const ADAPTER_OPTION_KEYS = ['optional'] as const

/**
 * Names used by other JWT libraries for the same settings (express-oauth2-jwt-bearer, express-jwt,
 * jwks-rsa, jsonwebtoken), pointed at ours: a user porting a configuration gets the right name.
 */
const ALIASES: Readonly<Record<string, string>> = {
  issuerbaseurl: 'issuer',
  iss: 'issuer',
  aud: 'audience',
  jwksurl: 'jwksUri',
  jwks: 'jwksUri',
  tokensigningalg: 'algorithms',
  algs: 'algorithms',
  clocktolerancesec: 'clockTolerance',
  maxage: 'maxTokenAge',
  credentialsrequired: 'optional',
  timeout: 'timeoutDuration',
}

const normalize = (key: string): string => key.toLowerCase().replace(/[^a-z0-9]/g, '')

/** Optimal string alignment distance (Levenshtein plus adjacent transposition), capped at `limit + 1`. */
function distance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1
  let prevPrev: number[] = []
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    let best = i
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let value = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, (prevPrev[j - 2] as number) + 1)
      row.push(value)
      best = Math.min(best, value)
    }
    if (best > limit) return limit + 1
    prevPrev = prev
    prev = row
  }
  return prev[b.length] as number
}

/**
 * The known key `key` most likely stands for: same letters ignoring case, `_` and `-` (`jwksURI`,
 * `jwks_uri`), a name from another library, a singular or truncated form, or within two edits (one for short names).
 */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  const wanted = normalize(key)
  for (const candidate of known) if (normalize(candidate) === wanted) return candidate
  const alias = ALIASES[wanted]
  if (alias !== undefined && known.includes(alias)) return alias
  const limit = wanted.length <= 4 ? 1 : 2
  for (const candidate of known) {
    // A singular/plural or truncated spelling (`maxEntry`, `tokenLocation`), when long enough to mean something.
    const other = normalize(candidate)
    const [short, long] = wanted.length < other.length ? [wanted, other] : [other, wanted]
    if (short.length >= 5 && long.length - short.length <= 3 && long.startsWith(short.slice(0, -1))) return candidate
  }
  let best: string | undefined
  let bestDistance = limit + 1
  for (const candidate of known) {
    const d = distance(wanted, normalize(candidate), limit)
    if (d < bestDistance) {
      best = candidate
      bestDistance = d
    }
  }
  return best
}

/**
 * Throws a `TypeError` naming the first own key of `options` that is not in `known`, with a suggestion
 * when one is close. `where` prefixes the message (`createGuard`, `bearerAuth`); `group` names a nested
 * option object (`tokenCache`).
 */
export function assertKnownKeys(options: object, known: readonly string[], where: string, group?: string): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue
    const name = group === undefined ? key : `${group}.${key}`
    const suggestion = closestKey(key, known)
    const hint = suggestion === undefined ? '' : ` (did you mean "${group === undefined ? suggestion : `${group}.${suggestion}`}"?)`
    throw new TypeError(`${where}: unknown option "${name}"${hint}`)
  }
}

/** The top-level guard option names, as a list. */
export const guardOptionNames: readonly string[] = Object.keys(GUARD_OPTION_KEYS)
