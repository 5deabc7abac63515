/** NumericDate (seconds since the epoch) as UTC text, and a duration as a person says it ("3 h", "12 min"). */

/** `2026-12-02 15:04:05 UTC`, or `invalid date` for values `Date` cannot hold. */
export function utc(seconds: number): string {
  const date = new Date(seconds * 1000)
  if (Number.isNaN(date.getTime())) return 'invalid date'
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`
}

/** A positive duration in seconds, rounded to its largest sensible unit: `45 s`, `12 min`, `3 h`, `2 d`. */
export function duration(seconds: number): string {
  const s = Math.abs(seconds)
  if (s < 90) return `${Math.round(s)} s`
  if (s < 90 * 60) return `${Math.round(s / 60)} min`
  if (s < 36 * 3600) return `${Math.round(s / 3600)} h`
  return `${Math.round(s / 86_400)} d`
}

/** `in 12 min` or `3 h ago`, relative to `nowSeconds`. */
export function relative(seconds: number, nowSeconds: number): string {
  const delta = seconds - nowSeconds
  return delta >= 0 ? `in ${duration(delta)}` : `${duration(delta)} ago`
}
