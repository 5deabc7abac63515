/** `inspect`'s output: a layout for people (coloured on a terminal) and a JSON document for machines. */
import { printable } from '../lib/printable.js'
import type { Style } from '../lib/style.js'
import { relative, utc } from '../lib/time.js'
import type { CheckStatus } from './checks.js'
import type { JsonObject } from './decode.js'
import type { InspectReport } from './run.js'

const TIME_CLAIMS = new Set(['exp', 'nbf', 'iat', 'auth_time'])

export function renderJson(report: InspectReport): string {
  return `${JSON.stringify(report, null, 2)}\n`
}

export function renderText(report: InspectReport, style: Style): string {
  const lines: string[] = []
  const section = (title: string) => lines.push('', style.bold(title))
  const fields = (object: JsonObject | undefined) => {
    if (object === undefined) {
      lines.push(`  ${style.dim('(not decodable)')}`)
      return
    }
    const width = Math.min(24, Math.max(0, ...Object.keys(object).map((k) => printable(k).length)))
    for (const [key, value] of Object.entries(object)) {
      let text = printable(value)
      if (TIME_CLAIMS.has(key) && typeof value === 'number' && Number.isFinite(value)) {
        text = `${value}  ${utc(value)}  ${style.dim(`(${relative(value, report.now)})`)}`
      }
      lines.push(`  ${style.cyan(printable(key).padEnd(width))}  ${text}`)
    }
  }
  section('Header')
  fields(report.header)
  section('Claims')
  fields(report.claims)
  section('Keys')
  if (report.requests.length === 0) lines.push(`  ${style.dim('(no request made)')}`)
  for (const request of report.requests) lines.push(`  GET ${printable(request.url)}  ${request.status}`)

  section('Checks')
  const width = Math.max(...report.checks.map((c) => c.name.length))
  for (const check of report.checks) {
    lines.push(`  ${badge(check.status, style)}  ${check.name.padEnd(width)}  ${check.message}`)
    if (check.status !== 'pass') {
      if (check.expected !== undefined) lines.push(`  ${' '.repeat(6 + width)}  ${style.dim('expected')} ${check.expected}`)
      if (check.actual !== undefined) lines.push(`  ${' '.repeat(6 + width)}  ${style.dim('actual  ')} ${check.actual}`)
    }
  }

  section('Verdict')
  const { verdict } = report
  if (verdict.accepted) {
    lines.push(`  ${style.green(style.bold('ACCEPTED'))}  the guard would accept this token`)
  } else if (verdict.status === undefined) {
    lines.push(`  ${style.yellow(style.bold('UNDECIDED'))}  every check ran, but without --issuer and --audience the guard cannot decide`)
  } else {
    const code = verdict.code ?? (verdict.status === 503 ? 'temporarily_unavailable' : 'no credentials')
    lines.push(`  ${style.red(style.bold('REJECTED'))}  ${verdict.status} ${code}: ${printable(verdict.description)}`)
    for (const cause of verdict.causes ?? []) lines.push(`  ${style.dim('because')}   ${printable(cause)}`)
    if (!verdict.decided) lines.push(`  ${style.dim("(ran without --issuer or --audience: the token's own values stood in)")}`)
  }
  return `${lines.slice(1).join('\n')}\n`
}

function badge(status: CheckStatus, style: Style): string {
  switch (status) {
    case 'pass':
      return style.green(style.enabled ? ' ✔  ' : 'pass')
    case 'fail':
      return style.red(style.bold(style.enabled ? ' ✘  ' : 'FAIL'))
    case 'warn':
      return style.yellow(style.enabled ? ' !  ' : 'warn')
    default:
      return style.dim(style.enabled ? ' -  ' : 'skip')
  }
}
