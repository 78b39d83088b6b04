// One SessionStore contract, run against every store (oauth2-proxy's RunSessionStoreTests,
// STYLE §1.7/§3.6): memory-store.test.ts, redis-store.test.ts and redis-cluster.test.ts.
// Expiry is observed by polling with a bound on the real clock, never by a fixed sleep.
import { randomUUID } from 'node:crypto'
import type { Test } from 'tap'
import { sessionKeys } from '../../src/session/keys.js'
import type { SessionStore } from '../../src/session/store.js'
import { until } from './redis-helpers.js'

export type MakeStore = (t: Test) => Promise<SessionStore>

const LONG = 60_000
const SHORT = 100
// Long enough that no scheduling stall makes a key vanish between two adjacent calls.
const MEDIUM = 1_000

function fresh (): { data: string, lock: string } {
  return sessionKeys(randomUUID())
}

const gone = (store: SessionStore, key: string) => async () => await store.get(key) === null

export function runStoreContract (t: Test, makeStore: MakeStore): void {
  t.test('get, set and delete', async (t) => {
    const store = await makeStore(t)
    const { data } = fresh()
    t.equal(await store.get(data), null, 'a missing key reads as null')
    const value = Buffer.from([0, 1, 2, 255, 254, 0x7b, 0x7d, 10, 13])
    await store.set(data, value, LONG, 'user-1')
    const read = await store.get(data)
    t.ok(read !== null && read.equals(value), 'binary values round-trip')
    read?.fill(0)
    t.same(await store.get(data), value, 'a result is a copy')
    await store.set(data, Buffer.from('second'), LONG, 'user-1')
    t.same(await store.get(data), Buffer.from('second'), 'set replaces')
    t.equal(await store.delete(data), true, 'delete reports an existing session')
    t.equal(await store.get(data), null)
    t.equal(await store.delete(data), false, 'deleting again reports nothing was there')
  })

  t.test('getWithTtl reads the value and the TTL it has left', async (t) => {
    const store = await makeStore(t)
    const { data } = fresh()
    t.equal(await store.getWithTtl(data), null, 'a missing key reads as null')
    const value = Buffer.from([0, 1, 2, 255, 0x7b, 0x7d])
    await store.set(data, value, LONG, 'user-1')
    const read = await store.getWithTtl(data)
    t.ok(read?.value.equals(value), 'binary values round-trip')
    t.ok(read !== null && read.ttlMs > LONG - MEDIUM && read.ttlMs <= LONG, `ttl left ${String(read?.ttlMs)} ms of ${LONG}`)
    read?.value.fill(0)
    t.same((await store.getWithTtl(data))?.value, value, 'a result is a copy')
    await store.delete(data)
    t.equal(await store.getWithTtl(data), null, 'a deleted key reads as null')
  })

  t.test('expire sets the TTL of an existing key only, without rewriting it', async (t) => {
    const store = await makeStore(t)
    const { data } = fresh()
    t.equal(await store.expire(data, LONG), false, 'no key, nothing to renew')
    t.equal(await store.get(data), null, 'expire never creates a key')
    await store.set(data, Buffer.from('v'), MEDIUM, 'user-1')
    t.equal(await store.expire(data, LONG), true)
    const read = await store.getWithTtl(data)
    t.ok(read !== null && read.ttlMs > LONG - MEDIUM, 'the TTL is the new one')
    t.same(read?.value, Buffer.from('v'), 'the value is untouched')
    const witness = fresh().data
    await store.set(witness, Buffer.from('w'), MEDIUM, 'user-1')
    await until(gone(store, witness))
    t.same(await store.get(data), Buffer.from('v'), 'outlived its first TTL')
    t.equal(await store.expire(data, SHORT), true)
    await until(gone(store, data))
    t.pass('expire can shorten the TTL too')
    const signedOut = fresh().data
    await store.set(signedOut, Buffer.from('s'), LONG, 'user-1')
    await store.delete(signedOut, 'user-1')
    t.equal(await store.expire(signedOut, LONG), false, 'a deleted session is not brought back')
    t.equal(await store.get(signedOut), null)
  })

  t.test('a session renewed by expire past its first TTL stays in the user index', async (t) => {
    const store = await makeStore(t)
    const user = `user-${randomUUID()}`
    const { data } = fresh()
    await store.set(data, Buffer.from('v1'), MEDIUM, user)
    await store.expire(data, LONG)
    const witness = fresh().data
    await store.set(witness, Buffer.from('w'), MEDIUM, `user-${randomUUID()}`)
    await until(gone(store, witness))
    t.equal(await store.deleteUserSessions(user), 1)
    t.equal(await store.get(data), null)
  })

  t.test('a session expires after its TTL', async (t) => {
    const store = await makeStore(t)
    const { data } = fresh()
    await store.set(data, Buffer.from('x'), SHORT, 'user-1')
    await until(gone(store, data))
    const other = fresh().data
    await store.set(other, Buffer.from('x'), 0, 'user-1')
    await until(gone(store, other))
    t.pass('a TTL of 0 is raised to 1 ms, not refused and not persistent')
  })

  t.test('update rewrites an existing session and renews its TTL', async (t) => {
    const store = await makeStore(t)
    const { data } = fresh()
    t.equal(await store.update(data, Buffer.from('v'), LONG), false, 'no session, no update')
    t.equal(await store.get(data), null, 'an update never creates a session')
    await store.set(data, Buffer.from('v1'), MEDIUM, 'user-1')
    t.equal(await store.update(data, Buffer.from('v2'), LONG), true)
    t.same(await store.get(data), Buffer.from('v2'))
    const witness = fresh().data
    await store.set(witness, Buffer.from('w'), MEDIUM, 'user-1')
    await until(gone(store, witness))
    t.same(await store.get(data), Buffer.from('v2'), 'outlived its first TTL')
    t.equal(await store.update(data, Buffer.from('v3'), SHORT), true)
    await until(gone(store, data))
    t.pass('update can shorten the TTL too')
  })

  t.test('a deleted session is not brought back by an update', async (t) => {
    const store = await makeStore(t)
    const { data } = fresh()
    await store.set(data, Buffer.from('v1'), LONG, 'user-1')
    await store.delete(data, 'user-1')
    t.equal(await store.update(data, Buffer.from('v2'), LONG), false)
    t.equal(await store.get(data), null)
  })

  t.test('a fenced update lands only while the lock holds its token', async (t) => {
    const store = await makeStore(t)
    const { data, lock } = fresh()
    await store.set(data, Buffer.from('v1'), LONG, 'user-1')
    t.equal(await store.update(data, Buffer.from('v2'), LONG, { lockKey: lock, token: 'a' }), false, 'no lock')
    await store.acquireLock(lock, 'a', LONG)
    t.equal(await store.update(data, Buffer.from('v2'), LONG, { lockKey: lock, token: 'b' }), false, 'another token')
    t.same(await store.get(data), Buffer.from('v1'))
    t.equal(await store.update(data, Buffer.from('v2'), LONG, { lockKey: lock, token: 'a' }), true, 'the holder')
    t.same(await store.get(data), Buffer.from('v2'))
    await store.releaseLock(lock, 'a')
    t.equal(await store.update(data, Buffer.from('v3'), LONG, { lockKey: lock, token: 'a' }), false, 'released')
    const other = fresh()
    await store.acquireLock(other.lock, 'a', LONG)
    t.equal(await store.update(other.data, Buffer.from('x'), LONG, { lockKey: other.lock, token: 'a' }), false,
      'the lock alone does not create a session')
    t.equal(await store.get(other.data), null)
  })

  t.test('claimOnce is true once per key while the record lives', async (t) => {
    const store = await makeStore(t)
    const key = `state:${randomUUID()}`
    t.equal(await store.claimOnce(key, LONG), true)
    t.equal(await store.claimOnce(key, LONG), false)
    t.equal(await store.claimOnce(`state:${randomUUID()}`, LONG), true, 'keys are independent')
    const short = `state:${randomUUID()}`
    t.equal(await store.claimOnce(short, SHORT), true)
    await until(async () => await store.claimOnce(short, LONG))
    t.equal(await store.claimOnce(short, LONG), false, 'claimed again after expiry, and only once')
  })

  t.test('hit counts within a window that starts at the first hit, then starts over', async (t) => {
    const store = await makeStore(t)
    const key = `rl:${randomUUID()}`
    const first = await store.hit(key, LONG)
    t.equal(first.count, 1)
    t.ok(first.ttlMs > 0 && first.ttlMs <= LONG, 'the window is running')
    t.equal((await store.hit(key, LONG)).count, 2)
    const third = await store.hit(key, LONG)
    t.equal(third.count, 3)
    t.ok(third.ttlMs <= first.ttlMs, 'later hits do not extend the window')
    t.equal((await store.hit(`rl:${randomUUID()}`, LONG)).count, 1, 'keys are independent')
    const short = `rl:${randomUUID()}`
    await store.hit(short, SHORT)
    await store.hit(short, SHORT)
    await until(async () => (await store.hit(short, LONG)).count === 1)
    t.pass('a new window starts after the old one ends')
  })

  t.test('a lock has one holder and only the holder renews or releases it', async (t) => {
    const store = await makeStore(t)
    const { lock } = fresh()
    t.equal(await store.acquireLock(lock, 'a', LONG), true)
    t.equal(await store.acquireLock(lock, 'b', LONG), false)
    t.equal(await store.acquireLock(lock, 'a', LONG), false, 'not re-entrant')
    t.equal(await store.renewLock(lock, 'b', LONG), false)
    t.equal(await store.renewLock(lock, 'a', LONG), true)
    t.equal(await store.releaseLock(lock, 'b'), false)
    t.equal(await store.acquireLock(lock, 'b', LONG), false, 'a refused release leaves the lock held')
    t.equal(await store.releaseLock(lock, 'a'), true)
    t.equal(await store.releaseLock(lock, 'a'), false, 'released once')
    t.equal(await store.renewLock(lock, 'a', LONG), false, 'a free lock is not renewed into existence')
    t.equal(await store.acquireLock(lock, 'b', LONG), true)
  })

  t.test('an expired lock is free, and its old holder cannot touch the new one', async (t) => {
    const store = await makeStore(t)
    const { lock } = fresh()
    t.equal(await store.acquireLock(lock, 'a', SHORT), true)
    await until(async () => await store.acquireLock(lock, 'b', LONG))
    t.equal(await store.renewLock(lock, 'a', LONG), false)
    t.equal(await store.releaseLock(lock, 'a'), false)
    t.equal(await store.releaseLock(lock, 'b'), true)
  })

  t.test('renewLock extends the lease', async (t) => {
    const store = await makeStore(t)
    const { lock } = fresh()
    await store.acquireLock(lock, 'a', MEDIUM)
    t.equal(await store.renewLock(lock, 'a', LONG), true)
    const witness = fresh().lock
    await store.acquireLock(witness, 'w', MEDIUM)
    await until(async () => await store.acquireLock(witness, 'x', LONG))
    t.equal(await store.acquireLock(lock, 'b', LONG), false, 'still held after the first lease')
  })

  t.test('deleteUserSessions ends every live session of one user only', async (t) => {
    const store = await makeStore(t)
    const user = `user-${randomUUID()}`
    const other = `user-${randomUUID()}`
    const mine = [fresh().data, fresh().data, fresh().data]
    for (const key of mine) await store.set(key, Buffer.from('m'), LONG, user)
    const theirs = fresh().data
    await store.set(theirs, Buffer.from('t'), LONG, other)
    const signedOut = fresh().data
    await store.set(signedOut, Buffer.from('s'), LONG, user)
    await store.delete(signedOut, user)
    const expired = fresh().data
    await store.set(expired, Buffer.from('e'), SHORT, user)
    await until(gone(store, expired))

    t.equal(await store.deleteUserSessions(user), 3, 'counts only sessions that were alive')
    for (const key of mine) t.equal(await store.get(key), null)
    t.same(await store.get(theirs), Buffer.from('t'), 'another user keeps their session')
    t.equal(await store.deleteUserSessions(user), 0, 'nothing left to end')
    t.equal(await store.deleteUserSessions(`user-${randomUUID()}`), 0, 'an unknown user has none')

    const later = fresh().data
    await store.set(later, Buffer.from('l'), LONG, user)
    t.equal(await store.deleteUserSessions(user), 1, 'a login after a revoke is indexed again')
    t.equal(await store.deleteUserSessions(other), 1)
  })

  t.test('a session renewed past its first TTL stays in the user index', async (t) => {
    const store = await makeStore(t)
    const user = `user-${randomUUID()}`
    const { data } = fresh()
    await store.set(data, Buffer.from('v1'), MEDIUM, user)
    await store.update(data, Buffer.from('v2'), LONG)
    const witness = fresh().data
    await store.set(witness, Buffer.from('w'), MEDIUM, `user-${randomUUID()}`)
    await until(gone(store, witness))
    t.equal(await store.deleteUserSessions(user), 1)
    t.equal(await store.get(data), null)
  })

  t.test('ping answers; a closed store rejects with AAP_ERR_STORE_UNAVAILABLE', async (t) => {
    const store = await makeStore(t)
    await t.resolves(store.ping())
    await store.close()
    await store.close()
    await t.rejects(store.get(fresh().data), { code: 'AAP_ERR_STORE_UNAVAILABLE', statusCode: 503 })
    await t.rejects(store.ping(), { code: 'AAP_ERR_STORE_UNAVAILABLE' })
    await t.rejects(store.getWithTtl(fresh().data), { code: 'AAP_ERR_STORE_UNAVAILABLE' })
    await t.rejects(store.expire(fresh().data, LONG), { code: 'AAP_ERR_STORE_UNAVAILABLE' })
  })
}
