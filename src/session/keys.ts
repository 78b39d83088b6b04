// Store key names. The store sees a SHA-256 of the session id, never the id itself (SPEC §7): a
// key read from a Redis dump, a MONITOR trace or a slow log cannot be turned into a cookie.
// Keys here are relative; each store adds its own keyPrefix (redisKeyPrefix, SPEC §3).
import { createHash } from 'node:crypto'

export interface SessionKeys {
  /** the sealed session (seal.ts binds the ciphertext to this name) */
  data: string
  /** the refresh single-flight lock (SPEC §7) */
  lock: string
}

function hash (value: string): string {
  return createHash('sha256').update(value).digest('base64url')
}

/**
 * SPEC §3 redisClusterNodes: every key of one session shares one hash slot, because only the
 * part between the first `{` and the next `}` is hashed. A Lua script may then read the lock and
 * write the data atomically (the fenced update of the refresh winner) on Redis Cluster too.
 */
export function sessionKeys (id: string): SessionKeys {
  const tag = `{${hash(id)}}`
  return { data: `${tag}:s`, lock: `${tag}:lock` }
}

/** The per-user index of session data keys (SPEC §8 revoke-user). */
export function userIndexKey (userId: string): string {
  return `u:{${hash(userId)}}`
}
