// The embedded store for a single replica (SPEC §3 sessionStore=memory): the same contract as
// Redis (store.ts), with the same SET NX / compare-and-delete meaning, on the injected clock.
// Bounded, because every login adds an entry: when full it drops expired entries, then the
// least recently written or renewed session (that user signs in again). Login-state claims and
// locks are never evicted early — a forgotten claim would let a login state be replayed — so a
// store full of those refuses new entries with AAP_ERR_STORE_UNAVAILABLE instead.
import { StoreConfigInvalid, StoreUnavailable } from '../errors.js'
import { clampTtl, type LockFence, type SessionStore } from './store.js'

export interface MemoryStoreOptions {
  /** the proxy's one clock (AppDeps.now) */
  now: () => number
  /** default 10 000 entries of every kind together */
  maxEntries?: number
  /** how often expired entries are dropped in the background; default one minute */
  sweepIntervalMs?: number
}

export interface MemoryStore extends SessionStore {
  readonly kind: 'memory'
  /** entries held right now, expired ones included until the next sweep */
  size (): number
}

interface Entry {
  value: Buffer | string
  expiresAt: number
  /** set for sessions only: they alone may be evicted, and they sit in a user's index */
  userId?: string
}

export const DEFAULT_MEMORY_MAX_ENTRIES = 10_000
export const DEFAULT_MEMORY_SWEEP_INTERVAL_MS = 60_000

export function createMemoryStore (options: MemoryStoreOptions): MemoryStore {
  const { now } = options
  const maxEntries = options.maxEntries ?? DEFAULT_MEMORY_MAX_ENTRIES
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
    throw new StoreConfigInvalid('the memory store needs maxEntries >= 1')
  }
  // Map keeps insertion order, and every write or renewal re-inserts: the first session found
  // is the least recently used one. Keys come from keys.ts or the callers' own fixed prefixes.
  const entries = new Map<string, Entry>()
  const byUser = new Map<string, Set<string>>()
  let closed = false

  function remove (key: string, entry: Entry): void {
    entries.delete(key)
    if (entry.userId === undefined) return
    const keys = byUser.get(entry.userId)
    keys?.delete(key)
    if (keys?.size === 0) byUser.delete(entry.userId)
  }

  function live (key: string): Entry | undefined {
    const entry = entries.get(key)
    if (entry === undefined || entry.expiresAt > now()) return entry
    remove(key, entry)
    return undefined
  }

  function sweep (): void {
    const at = now()
    for (const [key, entry] of entries) {
      if (entry.expiresAt <= at) remove(key, entry)
    }
  }

  function makeRoom (): void {
    sweep()
    if (entries.size < maxEntries) return
    for (const [key, entry] of entries) {
      if (entry.userId !== undefined) return remove(key, entry)
    }
    throw new StoreUnavailable({ cause: new Error('memory store is full of login states and locks') })
  }

  function put (key: string, entry: Entry): void {
    const old = entries.get(key)
    if (old !== undefined) remove(key, old)
    else if (entries.size >= maxEntries) makeRoom()
    entries.set(key, entry)
    if (entry.userId === undefined) return
    const keys = byUser.get(entry.userId) ?? new Set<string>()
    keys.add(key)
    byUser.set(entry.userId, keys)
  }

  function holds (fence: LockFence): boolean {
    return live(fence.lockKey)?.value === fence.token
  }

  // Every method goes through here, so a closed store fails exactly like an unreachable one.
  function run<T> (fn: () => T): Promise<T> {
    if (closed) return Promise.reject(new StoreUnavailable({ cause: new Error('store closed') }))
    try {
      return Promise.resolve(fn())
    } catch (err) {
      return Promise.reject(err)
    }
  }

  const timer = setInterval(sweep, options.sweepIntervalMs ?? DEFAULT_MEMORY_SWEEP_INTERVAL_MS)
  // The sweep is housekeeping: it must never be what keeps the process alive.
  timer.unref()

  return {
    kind: 'memory',
    size: () => entries.size,
    get: (key) => run(() => {
      const entry = live(key)
      // A copy, as Redis would send: nobody can change what is stored by mutating a result.
      return entry === undefined ? null : Buffer.from(entry.value)
    }),
    getWithTtl: (key) => run(() => {
      const entry = live(key)
      return entry === undefined ? null : { value: Buffer.from(entry.value), ttlMs: entry.expiresAt - now() }
    }),
    expire: (key, ttlMs) => run(() => {
      const entry = live(key)
      if (entry === undefined) return false
      entry.expiresAt = now() + clampTtl(ttlMs)
      // A renewed session is one in use: it moves to the back of the eviction order.
      entries.delete(key)
      entries.set(key, entry)
      return true
    }),
    set: (key, value, ttlMs, userId) => run(() => {
      put(key, { value: Buffer.from(value), expiresAt: now() + clampTtl(ttlMs), userId })
    }),
    update: (key, value, ttlMs, fence) => run(() => {
      const entry = live(key)
      if (entry === undefined || (fence !== undefined && !holds(fence))) return false
      put(key, { ...entry, value: Buffer.from(value), expiresAt: now() + clampTtl(ttlMs) })
      return true
    }),
    delete: (key) => run(() => {
      // The entry knows its user, so the index is cleaned whether or not a userId is passed.
      const entry = live(key)
      if (entry !== undefined) remove(key, entry)
      return entry !== undefined
    }),
    claimOnce: (key, ttlMs) => run(() => {
      if (live(key) !== undefined) return false
      put(key, { value: '1', expiresAt: now() + clampTtl(ttlMs) })
      return true
    }),
    hit: (key, windowMs) => run(() => {
      const entry = live(key)
      if (entry === undefined) {
        put(key, { value: '1', expiresAt: now() + clampTtl(windowMs) })
        return { count: 1, ttlMs: clampTtl(windowMs) }
      }
      const count = Number(entry.value) + 1
      entry.value = String(count)
      return { count, ttlMs: Math.max(0, entry.expiresAt - now()) }
    }),
    acquireLock: (key, token, ttlMs) => run(() => {
      if (live(key) !== undefined) return false
      put(key, { value: token, expiresAt: now() + clampTtl(ttlMs) })
      return true
    }),
    renewLock: (key, token, ttlMs) => run(() => {
      const entry = live(key)
      if (entry?.value !== token) return false
      entry.expiresAt = now() + clampTtl(ttlMs)
      return true
    }),
    releaseLock: (key, token) => run(() => {
      const entry = live(key)
      if (entry?.value !== token) return false
      remove(key, entry)
      return true
    }),
    deleteUserSessions: (userId) => run(() => {
      let ended = 0
      for (const key of [...byUser.get(userId) ?? []]) {
        const entry = live(key)
        if (entry === undefined) continue
        remove(key, entry)
        ended++
      }
      return ended
    }),
    ping: () => run(() => undefined),
    close: async () => {
      closed = true
      clearInterval(timer)
      entries.clear()
      byUser.clear()
    }
  }
}
