// Wire-level shapes of the simulated AIHubMix, in AIHubMix's own snake_case (SPEC §2).

export interface SimUser {
  id: number
  username: string
  password: string
  email: string
  quota: number
  used_quota: number
  // 1 is active; anything else is a disabled account (SPEC §2).
  status: number
  created_time: number
}

export type SimUserInput = Omit<SimUser, 'status' | 'created_time'> & { status?: number, created_time?: number }

export interface SimClient {
  id: number
  name: string
  description: string
  client_id: string
  client_secret: string
  redirect_uri: string
  created_time: number
}

export interface SimClientInput {
  client_id: string
  client_secret: string
  redirect_uri: string
  name?: string
  description?: string
}

export interface SimSettings {
  // lifetimes in seconds
  access_token_ttl: number
  refresh_token_ttl: number
  code_ttl: number
  rotate_refresh_tokens: boolean
  // answer userinfo/topup as {success, data} (SPEC §2 says the proxy must accept both)
  wrap: boolean
}

export const FAULT_ENDPOINTS = ['authorize', 'token', 'userinfo', 'topup', 'apps'] as const
export type FaultEndpoint = typeof FAULT_ENDPOINTS[number]

export const FAULT_MODES = [
  'latency', 'status', 'reset', 'malformed', 'oversized', 'html', 'hang', 'no-headers',
  'wrong-state', 'wrong-types'
] as const
export type FaultMode = typeof FAULT_MODES[number]

export interface Fault {
  endpoint: FaultEndpoint
  mode: FaultMode
  status?: number
  // the RFC 6749 `error` of a `status` fault's body (default: server_error for 5xx, else invalid_request)
  error?: string
  latency_ms?: number
  // calls left to hit; undefined: until cleared
  times?: number
}

export const CALL_NAMES = [
  'authorize', 'login', 'token_authorization_code', 'token_refresh_token', 'userinfo', 'topup', 'apps'
] as const
export type CallName = typeof CALL_NAMES[number]
export type CallCounts = Record<CallName, number>

export interface CodeRecord {
  code: string
  client_id: string
  redirect_uri: string
  user_id: number
  scope: string
  code_challenge: string | undefined
  // the authorize request's state, kept only so tests can replay a code (GET /__control/codes/last)
  state: string
  expires_at: number
  used: boolean
  revoked: boolean
  // every token issued from this code, and from refreshes of those tokens, shares the family
  family: string
}

export interface TokenRecord {
  kind: 'access' | 'refresh'
  user_id: number
  client_id: string
  scope: string
  expires_at: number
  family: string
  revoked: boolean
  // a refresh token that was rotated away; presenting it again is reuse
  rotated: boolean
}

export interface TokenResponse {
  access_token: string
  token_type: 'Bearer'
  expires_in: number
  refresh_token?: string
  scope: string
}

// RFC 6749 §5.2
export interface OAuthError {
  error: string
  error_description: string
}
