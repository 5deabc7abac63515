/**
 * Terminal styling without a dependency. Colour only on a TTY, never with `NO_COLOR` (https://no-color.org)
 * or `TERM=dumb`; `FORCE_COLOR` (non-zero) forces it, as in most Node tools.
 */
export interface Style {
  readonly enabled: boolean
  bold(text: string): string
  dim(text: string): string
  green(text: string): string
  red(text: string): string
  yellow(text: string): string
  cyan(text: string): string
}

export function colourWanted(stream: { readonly isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '') return env.FORCE_COLOR !== '0'
  return stream.isTTY === true && env.TERM !== 'dumb'
}

const wrap = (open: number, close: number) => (text: string) => `\x1b[${open}m${text}\x1b[${close}m`
const identity = (text: string) => text

export function createStyle(enabled: boolean): Style {
  if (!enabled) return { enabled, bold: identity, dim: identity, green: identity, red: identity, yellow: identity, cyan: identity }
  return { enabled, bold: wrap(1, 22), dim: wrap(2, 22), green: wrap(32, 39), red: wrap(31, 39), yellow: wrap(33, 39), cyan: wrap(36, 39) }
}
