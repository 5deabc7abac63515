/** Argument checks shared by the presets: a bad argument throws now, naming the preset and the argument. */

export function presetError(preset: string, argument: string, expectation: string): TypeError {
  return new TypeError(`${preset}(): "${argument}" ${expectation}`)
}

export function requireObject(preset: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError(`${preset}(): expects an options object`)
  return value as Record<string, unknown>
}

/**
 * A host name, as consoles show it (`dev-abc.us.auth0.com`). A pasted URL (`https://dev-abc.us.auth0.com/`)
 * is accepted and reduced to its host; anything with a path, query or credentials is refused.
 */
export function hostName(preset: string, argument: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') throw presetError(preset, argument, 'must be a host name such as "example.com"')
  const text = value.trim()
  let url: URL
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`)
  } catch {
    throw presetError(preset, argument, `is not a host name: ${JSON.stringify(value)}`)
  }
  if (
    url.protocol !== 'https:' ||
    url.pathname !== '/' ||
    url.search !== '' ||
    url.hash !== '' ||
    url.username !== '' ||
    url.password !== ''
  ) {
    throw presetError(preset, argument, `must be a bare host name (got ${JSON.stringify(value)})`)
  }
  return url.host
}

export function nonEmptyString(preset: string, argument: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') throw presetError(preset, argument, 'must be a non-empty string')
  return value
}

export function stringList(preset: string, argument: string, value: unknown): string[] {
  const list = typeof value === 'string' ? [value] : value
  if (!Array.isArray(list) || list.length === 0 || list.some((v) => typeof v !== 'string' || v === '')) {
    throw presetError(preset, argument, 'must be a non-empty string or array of non-empty strings')
  }
  return [...new Set(list as string[])]
}

/** Refuses arguments the preset does not know: a typo (`audiance`) must not silently drop a check. */
export function knownKeys(preset: string, options: Record<string, unknown>, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new TypeError(`${preset}(): unknown option "${key}" (known: ${known.join(', ')})`)
  }
}
