// Validation of an authorization request (SPEC §2, RFC 6749 §4.1.1 and §4.1.2.1, RFC 7636 §4.3).
// Shared by GET /api/oauth2/authorize and the consent form, which carries the same parameters.
import { isS256Challenge } from './pkce.js'
import type { SimulatorState } from './state.js'
import type { SimClient } from './types.js'

const KNOWN_SCOPES: ReadonlySet<string> = new Set(['profile', 'balance'])
const DEFAULT_SCOPE = 'profile balance'

export interface AuthorizeParams {
  client: SimClient
  redirect_uri: string
  scope: string
  state: string
  code_challenge: string | undefined
  auto_authorize: boolean
  // the request's parameters, normalised, for the consent form's hidden fields
  fields: Record<string, string>
}

export type AuthorizeCheck =
  // client or redirect_uri cannot be trusted: answer with a page, never redirect (RFC 6749 §4.1.2.1)
  | { kind: 'page', message: string }
  | { kind: 'redirect', redirect_uri: string, error: string, description: string, state: string | undefined }
  | { kind: 'ok', params: AuthorizeParams }

const REPEATED = Symbol('repeated')

// RFC 6749 §3.1: request parameters MUST NOT be included more than once.
function one (input: Record<string, unknown>, name: string): string | undefined | typeof REPEATED {
  const v = input[name]
  if (v === undefined) return undefined
  return typeof v === 'string' ? v : REPEATED
}

export function checkAuthorize (sim: SimulatorState, input: Record<string, unknown>): AuthorizeCheck {
  const clientId = one(input, 'client_id')
  if (typeof clientId !== 'string' || clientId === '') return { kind: 'page', message: 'client_id is missing or repeated' }
  const client = sim.clients.get(clientId)
  if (client === undefined) return { kind: 'page', message: 'unknown client_id' }
  const redirectUri = one(input, 'redirect_uri')
  // Exact string comparison: no prefix match, no normalisation (an open redirector otherwise).
  if (redirectUri !== client.redirect_uri) return { kind: 'page', message: 'redirect_uri does not match the registered one' }

  const state = one(input, 'state')
  const fail = (error: string, description: string): AuthorizeCheck =>
    ({ kind: 'redirect', redirect_uri: redirectUri, error, description, state: typeof state === 'string' ? state : undefined })
  // AIHubMix's guide marks state as required (CSRF protection).
  if (typeof state !== 'string' || state === '') return fail('invalid_request', 'state is required')

  const responseType = one(input, 'response_type')
  if (typeof responseType !== 'string' || responseType === '') return fail('invalid_request', 'response_type is required')
  if (responseType !== 'code') return fail('unsupported_response_type', 'only response_type=code is supported')

  const rawScope = one(input, 'scope')
  if (rawScope === REPEATED) return fail('invalid_request', 'scope is repeated')
  const asked = (rawScope ?? '').split(' ').filter((s) => s !== '')
  if (asked.some((s) => !KNOWN_SCOPES.has(s))) return fail('invalid_scope', 'scope must be a subset of "profile balance"')
  const scope = asked.length === 0 ? DEFAULT_SCOPE : [...new Set(asked)].join(' ')

  const challenge = one(input, 'code_challenge')
  const method = one(input, 'code_challenge_method')
  if (challenge === REPEATED || method === REPEATED) return fail('invalid_request', 'PKCE parameter repeated')
  if (challenge === undefined && method !== undefined) return fail('invalid_request', 'code_challenge_method without code_challenge')
  if (challenge !== undefined) {
    // RFC 7636 §4.3: a missing method means plain, which this server (like OAuth 2.1) refuses.
    if (method !== 'S256') return fail('invalid_request', 'only code_challenge_method=S256 is supported')
    if (!isS256Challenge(challenge)) return fail('invalid_request', 'code_challenge is malformed')
  }
  const auto = one(input, 'auto_authorize')
  if (auto === REPEATED) return fail('invalid_request', 'auto_authorize is repeated')

  const fields: Record<string, string> = { client_id: clientId, redirect_uri: redirectUri, response_type: 'code', scope, state }
  if (challenge !== undefined) {
    fields.code_challenge = challenge
    fields.code_challenge_method = 'S256'
  }
  return {
    kind: 'ok',
    params: { client, redirect_uri: redirectUri, scope, state, code_challenge: challenge, auto_authorize: auto === 'true', fields }
  }
}

// The query is set through URL so the registered URI's own query survives and `state` comes
// back byte for byte once decoded.
export function buildRedirect (redirectUri: string, params: Record<string, string | undefined>): string {
  const url = new URL(redirectUri)
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined) url.searchParams.set(k, v)
  }
  return url.toString()
}
