// The authorization server's core: codes, token issue, refresh rotation, revocation (SPEC §2, §9).
import type { SimulatorState } from './state.js'
import { verifyS256 } from './pkce.js'
import type { OAuthError, SimClient, SimUser, TokenRecord, TokenResponse } from './types.js'

export type GrantResult =
  | { ok: true, body: TokenResponse }
  | { ok: false, error: OAuthError }

export interface CodeRequest {
  client_id: string
  redirect_uri: string
  user_id: number
  scope: string
  code_challenge: string | undefined
  state: string
}

function fail (error: string, description: string): GrantResult {
  return { ok: false, error: { error, error_description: description } }
}

export function issueCode (sim: SimulatorState, req: CodeRequest): string {
  const code = sim.randomToken()
  sim.codes.set(code, {
    ...req,
    code,
    expires_at: sim.now() + sim.settings.code_ttl * 1000,
    used: false,
    revoked: false,
    family: sim.randomToken()
  })
  sim.lastCode = { code, state: req.state, client_id: req.client_id, redirect_uri: req.redirect_uri, user_id: req.user_id }
  return code
}

type GrantBase = Pick<TokenRecord, 'user_id' | 'client_id' | 'scope' | 'family'>

// RFC 6749 §6: a new refresh token keeps the scope of the one it replaces, even when the
// access token's scope was narrowed, so `refreshScope` is passed separately.
function issueTokens (sim: SimulatorState, base: GrantBase, refreshScope: string | undefined): TokenResponse {
  const now = sim.now()
  const ttl = sim.settings.access_token_ttl
  const grant = { user_id: base.user_id, client_id: base.client_id, family: base.family, revoked: false, rotated: false }
  const access = sim.randomToken()
  sim.tokens.set(access, { ...grant, kind: 'access', scope: base.scope, expires_at: now + ttl * 1000 })
  const body: TokenResponse = { access_token: access, token_type: 'Bearer', expires_in: ttl, scope: base.scope }
  if (refreshScope !== undefined) {
    const refresh = sim.randomToken()
    sim.tokens.set(refresh, { ...grant, kind: 'refresh', scope: refreshScope, expires_at: now + sim.settings.refresh_token_ttl * 1000 })
    body.refresh_token = refresh
  }
  return body
}

function revokeFamily (sim: SimulatorState, family: string): void {
  for (const t of sim.tokens.values()) {
    if (t.family === family) t.revoked = true
  }
}

// What the user's "revoke access" in the AIHubMix user centre does, and what refresh-token
// reuse triggers: every token and pending code of that user (and app) stops working.
export function revokeGrant (sim: SimulatorState, userId: number, clientId?: string): number {
  let revoked = 0
  const matches = (r: { user_id: number, client_id: string }): boolean =>
    r.user_id === userId && (clientId === undefined || r.client_id === clientId)
  for (const t of sim.tokens.values()) {
    if (matches(t) && !t.revoked) {
      t.revoked = true
      revoked++
    }
  }
  for (const c of sim.codes.values()) {
    if (matches(c)) c.revoked = true
  }
  return revoked
}

export interface CodeExchange { code?: string, redirect_uri?: string, code_verifier?: string }

export function exchangeCode (sim: SimulatorState, client: SimClient, p: CodeExchange): GrantResult {
  if (p.code === undefined || p.code === '') return fail('invalid_request', 'code is required')
  if (p.redirect_uri === undefined || p.redirect_uri === '') return fail('invalid_request', 'redirect_uri is required')
  const rec = sim.codes.get(p.code)
  if (rec === undefined || rec.revoked) return fail('invalid_grant', 'authorization code is invalid')
  if (rec.client_id !== client.client_id) return fail('invalid_grant', 'authorization code was issued to another client')
  if (rec.used) {
    // RFC 6749 §4.1.2: a replayed code may have been stolen; withdraw what it produced.
    revokeFamily(sim, rec.family)
    return fail('invalid_grant', 'authorization code was already used')
  }
  if (sim.now() >= rec.expires_at) return fail('invalid_grant', 'authorization code expired')
  if (rec.redirect_uri !== p.redirect_uri) return fail('invalid_grant', 'redirect_uri does not match the authorization request')
  if (rec.code_challenge !== undefined) {
    if (p.code_verifier === undefined) return fail('invalid_grant', 'code_verifier is required')
    if (!verifyS256(p.code_verifier, rec.code_challenge)) return fail('invalid_grant', 'code_verifier does not match the code_challenge')
  } else if (p.code_verifier !== undefined) {
    // OAuth 2.1 §4.1.3: a verifier without a challenge means the two requests do not belong together.
    return fail('invalid_grant', 'code_verifier sent but no code_challenge was')
  }
  rec.used = true
  return { ok: true, body: issueTokens(sim, rec, rec.scope) }
}

export interface RefreshRequest { refresh_token?: string, scope?: string }

export function refreshGrant (sim: SimulatorState, client: SimClient, p: RefreshRequest): GrantResult {
  if (p.refresh_token === undefined || p.refresh_token === '') return fail('invalid_request', 'refresh_token is required')
  const rec = sim.tokens.get(p.refresh_token)
  if (rec === undefined || rec.kind !== 'refresh' || rec.revoked) return fail('invalid_grant', 'refresh token is invalid')
  if (rec.client_id !== client.client_id) return fail('invalid_grant', 'refresh token was issued to another client')
  if (rec.rotated) {
    // RFC 9700 §4.14.2: a rotated-away token presented again means two parties hold it.
    revokeGrant(sim, rec.user_id, rec.client_id)
    return fail('invalid_grant', 'refresh token was already used; the grant is revoked')
  }
  if (sim.now() >= rec.expires_at) return fail('invalid_grant', 'refresh token expired')
  let scope = rec.scope
  if (p.scope !== undefined) {
    // RFC 6749 §6: a refresh may narrow the scope, never widen it.
    const granted = new Set(rec.scope.split(' '))
    const asked = p.scope.split(' ').filter((s) => s !== '')
    if (asked.length === 0 || asked.some((s) => !granted.has(s))) return fail('invalid_scope', 'scope exceeds the original grant')
    scope = asked.join(' ')
  }
  // Without rotation the response carries no refresh_token: SPEC §2 says to keep the old one.
  const rotate = sim.settings.rotate_refresh_tokens
  if (rotate) rec.rotated = true
  return { ok: true, body: issueTokens(sim, { ...rec, scope }, rotate ? rec.scope : undefined) }
}

export interface BearerGrant { user: SimUser, token: TokenRecord }

export function findAccessToken (sim: SimulatorState, token: string): BearerGrant | undefined {
  const rec = sim.tokens.get(token)
  if (rec === undefined || rec.kind !== 'access' || rec.revoked || sim.now() >= rec.expires_at) return undefined
  const user = sim.users.get(rec.user_id)
  return user === undefined ? undefined : { user, token: rec }
}
