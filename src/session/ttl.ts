// SPEC §7 session lifetime: the store TTL is sessionIdleTimeout, renewed on use at most once a
// minute, and never reaches past createdAt + sessionMaxAge (a refresh does not extend it).
// Pure functions of the clock the caller passes in.

/** SPEC §7: renewal writes at most once a minute per session, to keep the hot path lean. */
export const RENEW_INTERVAL_MS = 60_000

export interface SessionTtlInput {
  now: number
  createdAt: number
  idleTimeoutMs: number
  maxAgeMs: number
}

/** The TTL (ms) to store the session with; zero or less means it has expired. */
export function computeSessionTtl ({ now, createdAt, idleTimeoutMs, maxAgeMs }: SessionTtlInput): number {
  return Math.min(idleTimeoutMs, createdAt + maxAgeMs - now)
}

/**
 * Whether this request should write the renewal. lastRenewedAt is the session's lastSeenAt, so
 * every replica sees the same answer; a lastRenewedAt in the future (clock skew between
 * replicas) waits for the clock to catch up rather than renewing on every request.
 */
export function shouldRenew (lastRenewedAt: number, now: number): boolean {
  return now - lastRenewedAt >= RENEW_INTERVAL_MS
}
