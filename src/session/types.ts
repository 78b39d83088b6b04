// The session as the store keeps it (SPEC §7), sealed by seal.ts. Versioned from day one, as
// oauth2-proxy's ticket (STYLE §1.7): a reader meets `v` before anything else, and a blob of an
// unknown version is "no session", never a crash.
import type { UserInfo } from '../provider/responses.js'

export const SESSION_VERSION = 1

export interface SessionTokens {
  accessToken: string
  /** absent when AIHubMix issued none; a refresh that returns none keeps the old one (SPEC §2) */
  refreshToken?: string
  /** ms since the epoch */
  expiresAt: number
  scope?: string
}

export interface Session {
  v: typeof SESSION_VERSION
  /** String(user.id): the key of the per-user index (revoke-user, SPEC §8) and of allowedUsers */
  userId: string
  tokens: SessionTokens
  /** the userinfo object exactly as provider/responses.ts validated it */
  user: UserInfo
  /**
   * ms since the epoch when the userinfo call that produced `user` was sent (not when it
   * answered): userinfoTtl counts from here (SPEC §7), and ?refresh=1 accepts only a fetch sent
   * after its own request arrived.
   */
  userFetchedAt: number
  /** ms since the epoch; sessionMaxAge counts from here and a refresh never moves it */
  createdAt: number
  /**
   * ms since the epoch; the last time this proxy rewrote the blob: login, token refresh,
   * userinfo fetch, failed refresh. Not the last request: the idle renewal only extends the
   * store key's TTL (PEXPIRE, no rewrite; service.ts), so the store's TTL is what says how
   * recently the session was used.
   */
  lastSeenAt: number
  /**
   * ms since the epoch; set when a refresh failed for another reason than a dead grant
   * (AIHubMix down, slow or broken). Until then no replica asks AIHubMix again for this session
   * (refresh.ts); cleared by the next successful refresh.
   */
  refreshRetryAt?: number
  /**
   * ms since the epoch; set when a background userinfo fetch failed (AIHubMix down): until then
   * no replica revalidates this session's userinfo in the background (service.ts), so an outage
   * costs AIHubMix one call per backoff per session, not one per request. ?refresh=1 ignores
   * it; cleared by the next successful fetch.
   */
  userinfoRetryAt?: number
}

type Json = Record<string, unknown>

function isObject (value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isTime (value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0
}

function isOptionalString (value: unknown): boolean {
  return value === undefined || typeof value === 'string'
}

function isTokens (value: unknown): value is SessionTokens {
  return isObject(value) &&
    typeof value.accessToken === 'string' && value.accessToken !== '' &&
    isOptionalString(value.refreshToken) &&
    isTime(value.expiresAt) &&
    isOptionalString(value.scope)
}

function isUser (value: unknown): value is UserInfo {
  if (!isObject(value)) return false
  const id = value.id
  return (typeof id === 'string' && id !== '') || (typeof id === 'number' && Number.isSafeInteger(id))
}

/**
 * The checks the request path relies on. The blob was authenticated by AES-GCM, so only this
 * proxy can have written it; the check catches a format change between versions, not an attack.
 */
export function isSession (value: unknown): value is Session {
  return isObject(value) &&
    value.v === SESSION_VERSION &&
    typeof value.userId === 'string' && value.userId !== '' &&
    isTokens(value.tokens) &&
    isUser(value.user) &&
    isTime(value.userFetchedAt) &&
    isTime(value.createdAt) &&
    isTime(value.lastSeenAt) &&
    (value.refreshRetryAt === undefined || isTime(value.refreshRetryAt)) &&
    (value.userinfoRetryAt === undefined || isTime(value.userinfoRetryAt))
}
