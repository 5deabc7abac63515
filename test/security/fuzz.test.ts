/**
 * Property-based fuzzing (fast-check). Whatever arrives (Authorization values, token strings, whole header
 * sets with query and body, payloads signed with the real key so the claims logic runs), the guard answers
 * with an accepted token or a 400/401/403 BearerError: never another exception, never a hang, and nothing
 * internal in what reaches the client. The adapters get the same treatment over real HTTP: never a 5xx.
 * FUZZ_RUNS sets the runs per property (CI default below).
 */
import { type AuthInfo, BearerError, type BearerRequest, createGuard, type Guard } from '@bearer-guard/core'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { claimsArbitrary, tokenArbitrary } from './support/arbitraries.js'
import { b64u, parts } from './support/jws.js'
import { fuzzRuns, fuzzTimeout } from './support/runs.js'
import { ADAPTERS, leaks, type RunningServer, rawRequest, startServer } from './support/servers.js'
import { bearer, createWorld, withAuthorization } from './support/world.js'

const world = await createWorld()
const guard = createGuard(world.options({ tokenLocations: ['header', 'query', 'body'] }))
await guard.verify(world.token())
const figures: Record<string, number> = {}
const RUNS = { core: fuzzRuns(300), adapters: fuzzRuns(100) }

afterAll(async () => {
  console.info(`[figures] fuzz: ${JSON.stringify(figures)} (runs per property: core ${RUNS.core}, adapters ${RUNS.adapters})`)
  await world.close()
})

const count = (name: string): void => {
  figures[name] = (figures[name] ?? 0) + 1
}

/** Client-safe descriptions: lower-case words, no digits, slashes, dots or quotes, so no URL, token or key. */
const SAFE_DESCRIPTION = /^[a-z][a-z_ :]{2,60}$/
const CHALLENGE = /^Bearer(?: error="(?:invalid_request|invalid_token|insufficient_scope)", error_description="[a-z][a-z_ :]{2,60}")?$/

const HANG_MS = 5_000

/** Runs one authentication and checks everything the outcome may and may not be. */
async function judge(guard: Guard, request: BearerRequest): Promise<AuthInfo | BearerError> {
  let timer: NodeJS.Timeout | undefined
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${HANG_MS} ms`)), HANG_MS)
  })
  let result: AuthInfo | BearerError
  try {
    result = await Promise.race([guard.authenticate(request), hang])
  } catch (error) {
    if (!BearerError.is(error)) throw new Error(`not a BearerError: ${String(error)}`, { cause: error })
    result = error
  } finally {
    clearTimeout(timer)
  }
  if (!BearerError.is(result)) {
    count('accepted')
    return result
  }
  const error = result
  count(`${error.status} ${error.code ?? 'bare'}`)
  expect([400, 401, 403]).toContain(error.status)
  expect(error.statusCode).toBe(error.status)
  expect(error.code).toBe(
    { 400: 'invalid_request', 401: error.code === undefined ? undefined : 'invalid_token', 403: 'insufficient_scope' }[error.status],
  )
  expect(error.description).toMatch(SAFE_DESCRIPTION)
  expect(error.message).toBe(error.description)
  expect(error.stack ?? '').not.toMatch(/\n\s+at /)
  expect(Object.keys(error.headers)).toEqual(['www-authenticate'])
  expect(error.headers['www-authenticate']).toMatch(CHALLENGE)
  expect(JSON.parse(JSON.stringify(error))).toEqual(error.toJSON())
  expect(Object.keys(error.toJSON()).sort()).toEqual(['error', 'error_description'])
  return error
}

describe('guard.authenticate under fuzzing', () => {
  const options = { numRuns: RUNS.core }
  const timeout = fuzzTimeout(RUNS.core, 25)

  it('arbitrary Authorization values', { timeout }, async () => {
    const value = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.string({ maxLength: 80 }).map((s) => `Bearer ${s}`),
      fc
        .tuple(
          fc.constantFrom('Bearer', 'bearer', 'BEARER', 'Basic', 'DPoP', 'Digest', ''),
          fc.stringMatching(/^[ \t,]{0,3}$/),
          fc.string({ maxLength: 60 }),
        )
        .map(([scheme, gap, rest]) => `${scheme}${gap}${rest}`),
      fc.array(fc.constantFrom('Bearer x.y.z', 'Basic abc', 'Bearer', ',', ' '), { maxLength: 4 }).map((list) => list.join(', ')),
    )
    await fc.assert(
      fc.asyncProperty(value, async (authorization) => {
        await judge(guard, withAuthorization(authorization))
      }),
      options,
    )
  })

  it('arbitrary token strings: garbage segments and mutated real tokens', { timeout }, async () => {
    const base64urlChar = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split(''))
    const segment = fc.oneof(
      fc.string({ unit: base64urlChar, maxLength: 60 }),
      fc.jsonValue({ maxDepth: 2 }).map((v) => b64u(JSON.stringify(v) ?? 'null')),
      fc.string({ unit: 'binary', maxLength: 20 }).map((s) => b64u(s)),
    )
    const garbage = fc.array(segment, { minLength: 1, maxLength: 6 }).map((segments) => segments.join('.'))
    const mutated = fc
      .tuple(fc.nat(), fc.constantFrom('insert', 'delete', 'replace', 'swap-segments'), fc.constantFrom(...'.-_=+/Aa0 '.split('')))
      .map(([at, kind, char]) => {
        const token = world.token()
        const i = at % token.length
        if (kind === 'insert') return token.slice(0, i) + char + token.slice(i)
        if (kind === 'delete') return token.slice(0, i) + token.slice(i + 1)
        if (kind === 'replace') return token.slice(0, i) + char + token.slice(i + 1)
        const [h, p, s] = parts(token)
        return `${p}.${h}.${s}`
      })
    await fc.assert(
      fc.asyncProperty(fc.oneof(garbage, mutated), async (token) => {
        const outcome = await judge(guard, bearer(token))
        if (!BearerError.is(outcome)) expect(outcome.claims.iss).toBe(world.issuer.issuer)
      }),
      options,
    )
  })

  it('arbitrary header sets, query strings and bodies (every token location enabled)', { timeout }, async () => {
    const token = world.token()
    const headerValue = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom(`Bearer ${token}`, 'Basic abc', 'Bearer', ''))
    const request = fc.record({
      method: fc.constantFrom('GET', 'POST', 'PUT', 'HEAD', 'get', 'PATCH', ''),
      url: fc.oneof(
        fc.string({ maxLength: 40 }),
        fc
          .array(
            fc.tuple(
              fc.constantFrom('access_token', 'x', 'access_token%00', 'ACCESS_TOKEN'),
              fc.oneof(fc.string({ maxLength: 20 }), fc.constant(token)),
            ),
            {
              maxLength: 3,
            },
          )
          .map((pairs) => `/r?${pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`),
      ),
      headers: fc.dictionary(
        fc.constantFrom('authorization', 'content-type', 'x-forwarded-for', 'dpop', 'cookie', 'host'),
        fc.oneof(
          headerValue,
          fc.array(headerValue, { maxLength: 3 }),
          fc.constantFrom('application/x-www-form-urlencoded', 'application/x-www-form-urlencoded; charset=utf-8'),
        ),
      ),
      rawHeaders: fc.option(
        fc.array(fc.constantFrom('Authorization', 'authorization', 'Content-Type', `Bearer ${token}`, 'x'), { maxLength: 6 }),
        { nil: undefined },
      ),
      body: fc.oneof(
        fc.constant(undefined),
        fc.jsonValue({ maxDepth: 2 }),
        fc.record({
          access_token: fc.oneof(fc.constant(token), fc.string({ maxLength: 20 }), fc.array(fc.constant(token), { maxLength: 2 })),
        }),
      ),
    })
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const { rawHeaders, ...rest } = r
        await judge(guard, { ...rest, ...(rawHeaders === undefined ? {} : { rawHeaders }) } as BearerRequest)
      }),
      options,
    )
  })

  it('payloads signed with the real key: the claims logic never crashes, and what passes is sound', { timeout }, async () => {
    const anyPayload = fc.oneof(
      claimsArbitrary(world),
      fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 8 }),
    )
    let accepted = 0
    await fc.assert(
      fc.asyncProperty(anyPayload, async (claims) => {
        const token = world.token({ claims: JSON.stringify(claims) })
        const outcome = await judge(guard, bearer(token))
        if (BearerError.is(outcome)) {
          expect(outcome.status).toBe(401)
          return
        }
        accepted += 1
        // Independent restatement of the rules for what was accepted.
        const c = outcome.claims
        expect(c.iss).toBe(world.issuer.issuer)
        expect(Array.isArray(c.aud) ? c.aud.includes(world.issuer.audience) : c.aud === world.issuer.audience).toBe(true)
        expect(typeof c.exp === 'number' && Number.isFinite(c.exp) && c.exp > world.now - 5).toBe(true)
        if (c.nbf !== undefined) expect(typeof c.nbf === 'number' && c.nbf <= world.now + 5).toBe(true)
        for (const scope of outcome.scopes) expect(typeof scope).toBe('string')
      }),
      options,
    )
    expect(accepted).toBeGreaterThan(0)
  })

  it('generated hostile tokens (real keys, perturbed headers and claims, mutated signatures)', { timeout }, async () => {
    await fc.assert(
      fc.asyncProperty(tokenArbitrary(world), async ({ token }) => {
        await judge(guard, bearer(token))
      }),
      options,
    )
  })
})

describe('adapters under fuzzing (real HTTP)', () => {
  const servers: RunningServer[] = []
  afterAll(() => Promise.all(servers.map((s) => s.close())))
  /** What an HTTP header value can carry: visible ASCII, space, tab (no CR, LF or NUL). */
  const headerChar = fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c))
  const headerText = fc.string({ unit: headerChar, maxLength: 120 })

  it.each(ADAPTERS)('%s: never a 5xx, never a leak', { timeout: fuzzTimeout(RUNS.adapters, 60) }, async (name) => {
    const server = await startServer(name, world.options())
    servers.push(server)
    const token = world.token()
    const lines = fc.array(
      fc.oneof(
        headerText.map((v) => `Authorization: ${v}`),
        fc
          .tuple(fc.constantFrom('Bearer ', 'bearer  ', 'Basic ', 'DPoP '), tokenArbitrary(world))
          .map(([s, g]) => `Authorization: ${s}${g.token}`),
        fc.constantFrom(`Authorization: Bearer ${token}`, `Authorization: Bearer ${world.token({ claims: { scope: 'read:data' } })}`),
        fc.tuple(fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/), headerText).map(([n, v]) => `${n}: ${v}`),
      ),
      { maxLength: 3 },
    )
    const path = fc.constantFrom('/resource', '/scoped', '/public', '/missing', `/resource?access_token=${token}`)
    await fc.assert(
      fc.asyncProperty(lines, path, fc.constantFrom('GET', 'POST', 'DELETE'), async (headerLines, target, method) => {
        const response = await rawRequest(server.port, { method, path: target, lines: headerLines })
        count(`${name} ${response.status}`)
        expect(response.status).toBeGreaterThanOrEqual(200)
        expect(response.status).toBeLessThan(500)
        expect(leaks(response, [world.issuer.origin])).toEqual([])
        const challenge = response.headers['www-authenticate']
        if (challenge !== undefined)
          expect(challenge).toMatch(/^Bearer(?: error="[a-z_]+", error_description="[a-z][a-z_ :]{2,60}"(?:, scope="write:data")?)?$/)
      }),
      { numRuns: RUNS.adapters },
    )
  })
})
