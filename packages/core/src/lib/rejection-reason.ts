/**
 * The one place that reads a rejection's stable reason (for diagnostics payloads and metric labels).
 *
 * A rejection's `cause` may carry a stable `reason` code (structured rejection causes); when it does, that
 * code is the reason. Otherwise the error's own short, client-safe description stands in: it comes from a
 * fixed set of literals in this package (or the user's own `validate` hook), never from the token, so it is
 * bounded too.
 */
export function rejectionReason(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const { cause, description, message } = error as { cause?: unknown; description?: unknown; message?: unknown }
  if (typeof cause === 'object' && cause !== null) {
    const reason = (cause as { reason?: unknown }).reason
    if (typeof reason === 'string') return reason
  }
  if (typeof description === 'string') return description
  return typeof message === 'string' ? message : undefined
}
