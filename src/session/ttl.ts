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
 * The TTL to extend the session's key to, or undefined when this request renews nothing.
 * `remainingMs` is what the store reports left on the key (<= 0 when it knows none), read in
 * the same round trip as the session; `wantedMs` is computeSessionTtl now. Renewing only when
 * the key has lost at least RENEW_INTERVAL_MS keeps it to once a minute per session across all
 * replicas, since they all read the same remaining TTL; a capped session (near
 * createdAt + sessionMaxAge) wants less than it has left and is never extended.
 */
export function renewalTtl (remainingMs: number, wantedMs: number): number | undefined {
  // A key with no TTL at all would outlive every limit: always give it one.
  return remainingMs <= 0 || wantedMs - remainingMs >= RENEW_INTERVAL_MS ? wantedMs : undefined
}
