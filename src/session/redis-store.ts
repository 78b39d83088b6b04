// The store shared by all replicas (SPEC §7 "several replicas sharing one Redis behave as one").
// Every command names one key, or two keys of one session that share a hash slot (keys.ts), so
// the same code runs on standalone, Sentinel and Cluster. Any driver error becomes
// AAP_ERR_STORE_UNAVAILABLE with the driver's error as `cause`.
//
// The per-user index (SPEC §8 revoke-user) is a sorted set per user of session data keys,
// scored with the latest moment each session could still be alive: its login plus
// sessionMaxAge (no session outlives createdAt + sessionMaxAge, SPEC §7). Each login prunes
// members past that moment and stretches the set's own TTL to cover the newest one, so the
// index never forgets a live session and never grows past the logins of one sessionMaxAge.
import { StoreConfigInvalid, StoreUnavailable } from '../errors.js'
import { userIndexKey } from './keys.js'
import type { RedisClient } from './redis-client.js'
import { clampTtl, type SessionStore } from './store.js'

export interface RedisStoreOptions {
  /** from createRedisClient; the store owns it from now on and quits it on close() */
  client: RedisClient
  /** redisKeyPrefix (SPEC §3), put before every key this store touches */
  keyPrefix: string
  /** sessionMaxAge: how long a login stays in its user's index */
  sessionMaxAgeMs: number
}

// Compare-and-delete / compare-and-expire: a holder whose lease ran out and was taken over by
// another replica must not free or extend the new holder's lock (SPEC §7 fencing value).
const RELEASE_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`
const RENEW_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`
// KEYS[1] data, KEYS[2] its lock (one slot). Writes only an existing session, and only while
// the lock still holds the writer's token.
const FENCED_UPDATE = `
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
if redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3], 'XX') then return 1 end
return 0`
// The window starts at the first hit; INCR and PEXPIRE in one script, so a crash between them
// cannot leave a counter that never expires.
const HIT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) return {count, tonumber(ARGV[1])} end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) ttl = tonumber(ARGV[1]) end
return {count, ttl}`
// Redis's own clock scores the members, so replicas with skewed clocks agree. (TIME before a
// write needs script effects replication: the default from Redis 5.)
const INDEX_ADD = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local life = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZADD', KEYS[1], now + life, ARGV[1])
if redis.call('PTTL', KEYS[1]) < life then redis.call('PEXPIRE', KEYS[1], life) end
return 1`

interface Scripts {
  aapReleaseLock (key: string, token: string): Promise<number>
  aapRenewLock (key: string, token: string, ttlMs: number): Promise<number>
  aapFencedUpdate (key: string, lockKey: string, token: string, value: Buffer, ttlMs: number): Promise<number>
  aapIndexAdd (key: string, member: string, lifeMs: number): Promise<number>
  aapHit (key: string, windowMs: number): Promise<[number, number]>
}

function defineScripts (client: RedisClient): Scripts {
  // EVALSHA with a fallback to EVAL on NOSCRIPT (a restarted or failed-over Redis).
  client.defineCommand('aapReleaseLock', { numberOfKeys: 1, lua: RELEASE_LOCK })
  client.defineCommand('aapRenewLock', { numberOfKeys: 1, lua: RENEW_LOCK })
  client.defineCommand('aapFencedUpdate', { numberOfKeys: 2, lua: FENCED_UPDATE })
  client.defineCommand('aapIndexAdd', { numberOfKeys: 1, lua: INDEX_ADD })
  client.defineCommand('aapHit', { numberOfKeys: 1, lua: HIT })
  return client as unknown as Scripts
}

async function call<T> (command: () => Promise<T>): Promise<T> {
  try {
    return await command()
  } catch (err) {
    throw new StoreUnavailable({ cause: err })
  }
}

function validate (options: RedisStoreOptions): void {
  // A brace in the prefix would become the hash tag of every key: one slot for all sessions.
  if (/[{}]/.test(options.keyPrefix)) throw new StoreConfigInvalid('redisKeyPrefix must not contain { or }')
  if (!(options.sessionMaxAgeMs > 0)) throw new StoreConfigInvalid('sessionMaxAgeMs must be positive')
}

export function createRedisStore (options: RedisStoreOptions): SessionStore {
  validate(options)
  const { client, keyPrefix: prefix } = options
  const indexLifeMs = clampTtl(options.sessionMaxAgeMs)
  const scripts = defineScripts(client)
  // Start connecting now: with no offline queue, the first request would otherwise be the one
  // that finds the client unconnected. Failures go to the client's 'error' listener and the
  // reconnect strategy; /readyz reports them.
  if (client.status === 'wait') client.connect().catch(() => {})

  return {
    kind: 'redis',
    get: (key) => call(() => client.getBuffer(prefix + key)),
    getWithTtl: (key) => call(async () => {
      // A pipeline, not MULTI: one round trip on one key (one slot on Cluster), nothing to roll
      // back. A DEL landing between the two only makes the TTL -2, and a later PEXPIRE a no-op.
      // (exec resolves to null only for a MULTI aborted by WATCH, which a pipeline never is)
      const replies = await client.pipeline().getBuffer(prefix + key).pttl(prefix + key).exec() as
        [[Error | null, Buffer | null], [Error | null, number]]
      const [[getErr, value], [ttlErr, ttlMs]] = replies
      const err = getErr ?? ttlErr
      if (err !== null) throw err
      return value === null ? null : { value, ttlMs }
    }),
    expire: (key, ttlMs) => call(async () => await client.pexpire(prefix + key, clampTtl(ttlMs)) === 1),
    set: (key, value, ttlMs, userId) => call(async () => {
      // Index first: a revoke running between the two commands then still finds this session.
      await scripts.aapIndexAdd(prefix + userIndexKey(userId), key, Math.max(indexLifeMs, clampTtl(ttlMs)))
      await client.set(prefix + key, value, 'PX', clampTtl(ttlMs))
    }),
    update: (key, value, ttlMs, fence) => call(async () => {
      if (fence === undefined) return await client.set(prefix + key, value, 'PX', clampTtl(ttlMs), 'XX') === 'OK'
      return await scripts.aapFencedUpdate(prefix + key, prefix + fence.lockKey, fence.token, value, clampTtl(ttlMs)) === 1
    }),
    delete: (key, userId) => call(async () => {
      const [deleted] = await Promise.all([
        client.del(prefix + key),
        userId === undefined ? 0 : client.zrem(prefix + userIndexKey(userId), key)
      ])
      return deleted === 1
    }),
    claimOnce: (key, ttlMs) => call(async () => await client.set(prefix + key, '1', 'PX', clampTtl(ttlMs), 'NX') === 'OK'),
    hit: (key, windowMs) => call(async () => {
      const [count, ttlMs] = await scripts.aapHit(prefix + key, clampTtl(windowMs))
      return { count, ttlMs }
    }),
    acquireLock: (key, token, ttlMs) => call(async () => await client.set(prefix + key, token, 'PX', clampTtl(ttlMs), 'NX') === 'OK'),
    renewLock: (key, token, ttlMs) => call(async () => await scripts.aapRenewLock(prefix + key, token, clampTtl(ttlMs)) === 1),
    releaseLock: (key, token) => call(async () => await scripts.aapReleaseLock(prefix + key, token) === 1),
    deleteUserSessions: (userId) => call(async () => {
      const index = prefix + userIndexKey(userId)
      const members = await client.zrange(index, 0, -1)
      // One DEL per key: on Cluster each session lives in its own slot.
      const deleted = await Promise.all(members.map((member) => client.del(prefix + member)))
      const ended = members.filter((_, i) => deleted[i] === 1)
      // Only the ended ones leave the index: a member whose SET has not landed yet (a login
      // racing this revoke) stays, so a later revoke still finds it. Dead ones age out.
      if (ended.length > 0) await client.zrem(index, ...ended)
      return ended.length
    }),
    ping: () => call(async () => { await client.ping() }),
    close: async () => {
      if (client.status === 'end') return
      try {
        await client.quit()
      } catch {
        client.disconnect()
      }
    }
  }
}
