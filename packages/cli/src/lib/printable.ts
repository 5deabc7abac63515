/**
 * Token contents are attacker-controlled: a claim could hold terminal escape sequences that rewrite the
 * screen. Every value read from a token or a server goes through {@link printable} before it is shown.
 */

// C0 and C1 controls, DEL, and the Unicode bidi overrides/isolates (which can reorder what a reader sees).
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g

/** The value as one safe line: strings as is with controls escaped (`\u001b`), anything else as JSON. */
export function printable(value: unknown, maxLength = 300): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value))
  const safe = text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
  return safe.length > maxLength ? `${safe.slice(0, maxLength)}… (${safe.length} characters)` : safe
}
