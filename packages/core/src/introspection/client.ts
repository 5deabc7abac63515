/**
 * One RFC 7662 introspection request: a form POST with the resource server's client authentication,
 * answered by a bounded JSON read (the same size and time limits as JWKS fetches, no redirects). The
 * client secret goes only into the request; no error built here mentions it, the request body or headers.
 */
import { randomUUID } from 'node:crypto'
import { SignJWT } from 'jose'
import { type FetchLimits, fetchJson, UpstreamError } from '../jwks/fetch-json.js'
import type { JsonValue } from '../types.js'
import type { IntrospectionRecord } from './cache.js'
import type { ResolvedIntrospection } from './options.js'

/** RFC 6749 §2.3.1: client id and secret are form-urlencoded before being joined for Basic. */
function basicCredentials(clientId: string, secret: string): string {
  const encode = (value: string): string => new URLSearchParams({ v: value }).toString().slice(2)
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(secret)}`).toString('base64')}`
}

async function clientAssertion(config: ResolvedIntrospection, endpoint: string): Promise<string> {
  const pk = config.privateKey as NonNullable<ResolvedIntrospection['privateKey']>
  const now = Math.floor(Date.now() / 1000)
  // RFC 7523 §3: iss and sub are the client, aud the server it is sent to, short-lived and unique.
  return new SignJWT({})
    .setProtectedHeader({ alg: pk.alg, typ: 'JWT', ...(pk.kid === undefined ? {} : { kid: pk.kid }) })
    .setIssuer(config.clientId)
    .setSubject(config.clientId)
    .setAudience(endpoint)
    .setJti(randomUUID())
    .setIssuedAt(now)
    .setExpirationTime(now + 60)
    .sign(pk.key)
}

export async function introspect(
  token: string,
  endpoint: string,
  config: ResolvedIntrospection,
  limits: FetchLimits,
): Promise<IntrospectionRecord> {
  const form = new URLSearchParams({ token, token_type_hint: 'access_token' })
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' }
  switch (config.clientAuth) {
    case 'client_secret_basic':
      headers.authorization = basicCredentials(config.clientId, config.clientSecret as string)
      break
    case 'client_secret_post':
      form.set('client_id', config.clientId)
      form.set('client_secret', config.clientSecret as string)
      break
    default: {
      let assertion: string
      try {
        assertion = await clientAssertion(config, endpoint)
      } catch (cause) {
        throw new UpstreamError('could not sign the private_key_jwt client assertion', { cause })
      }
      form.set('client_id', config.clientId)
      form.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
      form.set('client_assertion', assertion)
    }
  }
  const { body } = await fetchJson(endpoint, { ...limits, followRedirects: false }, undefined, { body: form.toString(), headers })
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new UpstreamError('introspection response is not a JSON object')
  const response = body as Record<string, JsonValue>
  if (typeof response.active !== 'boolean') throw new UpstreamError('introspection response has no boolean "active"')
  if (!response.active) return { active: false }
  const { active: _active, ...claims } = response
  return { active: true, claims }
}
