/**
 * Freezes a parsed JSON value and everything in it. A verified token's `AuthInfo` is cached and handed to
 * every later request with the same token, so a handler or `validate` hook that edited `auth.scopes` or
 * `auth.claims` would otherwise change what the next request is authorised to do. Iterative: token JSON
 * can nest as deep as its length allows.
 */
export function deepFreeze<T>(value: T): T {
  const stack: unknown[] = [value]
  while (stack.length > 0) {
    const node = stack.pop()
    if (typeof node !== 'object' || node === null || Object.isFrozen(node)) continue
    Object.freeze(node)
    for (const child of Object.values(node)) if (typeof child === 'object' && child !== null) stack.push(child)
  }
  return value
}
