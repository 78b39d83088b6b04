// The session store contract (SPEC §7), implemented by memory-store.ts (one replica) and
// redis-store.ts (any number of replicas), and checked by one suite run against both
// (test/session/store-contract.ts, after oauth2-proxy's RunSessionStoreTests, STYLE §1.7).
//
// Byte-oriented: values arrive sealed (seal.ts), so a store never sees a token. Keys are the
// relative names from keys.ts (or a caller's own, for claimOnce); each store adds its prefix.
// Every failure to reach the store rejects with AAP_ERR_STORE_UNAVAILABLE (503): callers fail
// closed (SPEC §7) and never mistake an outage for "signed out". TTLs are milliseconds and are
// raised to at least 1 ms; a caller whose computeSessionTtl is <= 0 deletes instead.

export type StoreKind = 'memory' | 'redis'

/** The refresh winner's lock (SPEC §7): a write carrying it lands only while the lock is still its own. */
export interface LockFence {
  lockKey: string
  token: string
}

export interface SessionStore {
  readonly kind: StoreKind
  get (key: string): Promise<Buffer | null>
  /**
   * The value and the TTL it has left, in one round trip (SPEC §7 hot path: a signed-in request
   * reads nothing else). ttlMs <= 0 when the store knows no TTL for the key.
   */
  getWithTtl (key: string): Promise<{ value: Buffer, ttlMs: number } | null>
  /**
   * Stores a new session and records its key in the index of `userId` (SPEC §8 revoke-user).
   * Called once per login; later writes go through update().
   */
  set (key: string, value: Buffer, ttlMs: number, userId: string): Promise<void>
  /**
   * Rewrites an existing session and its TTL in one round trip (a refreshed token, new
   * userinfo, a failed refresh's retry time). false when the session is gone (signed out or revoked on
   * another replica: an update never brings it back) or, with a fence, when the lock is no
   * longer held with that token (a slow refresh that lost its lease must not overwrite).
   */
  update (key: string, value: Buffer, ttlMs: number, fence?: LockFence): Promise<boolean>
  /**
   * Sets the TTL of an existing key without rewriting it (the idle renewal, at most once a
   * minute). false when the key is gone: a session signed out meanwhile stays gone.
   */
  expire (key: string, ttlMs: number): Promise<boolean>
  /** true when the session existed. With userId, also drops the key from that user's index. */
  delete (key: string, userId?: string): Promise<boolean>
  /** SET NX PX: true only for the first claim while the record lives (SPEC §4 "state used"). */
  claimOnce (key: string, ttlMs: number): Promise<boolean>
  /**
   * A fixed-window counter (SPEC §3 loginRateLimit): adds one to `key`, whose window of
   * `windowMs` starts at its first hit; returns the count so far and the window's time left.
   */
  hit (key: string, windowMs: number): Promise<{ count: number, ttlMs: number }>
  /** SET NX PX with a fencing token: true when the lock was free. */
  acquireLock (key: string, token: string, ttlMs: number): Promise<boolean>
  /** Extends the lease only while the lock still holds `token` (oauth2-proxy #3456). */
  renewLock (key: string, token: string, ttlMs: number): Promise<boolean>
  /** Compare-and-delete: never frees a lock another holder took over after expiry. */
  releaseLock (key: string, token: string): Promise<boolean>
  /** Ends every live session of the user on every replica; returns how many were ended. */
  deleteUserSessions (userId: string): Promise<number>
  /** Readiness (SPEC §4 /readyz): resolves when the store answers. */
  ping (): Promise<void>
  /** Idempotent. Afterwards every call rejects with AAP_ERR_STORE_UNAVAILABLE. */
  close (): Promise<void>
}

export function clampTtl (ttlMs: number): number {
  return Number.isFinite(ttlMs) && ttlMs > 1 ? Math.ceil(ttlMs) : 1
}
