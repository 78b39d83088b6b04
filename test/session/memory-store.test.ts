import { randomUUID } from 'node:crypto'
import t, { type Test } from 'tap'
import { sessionKeys } from '../../src/session/keys.js'
import { createMemoryStore, type MemoryStoreOptions } from '../../src/session/memory-store.js'
import { until } from './redis-helpers.js'
import { runStoreContract } from './store-contract.js'

t.test('contract', async (t) => {
  runStoreContract(t, async (t) => {
    const store = createMemoryStore({ now: Date.now })
    t.teardown(() => store.close())
    return store
  })
})

function clocked (t: Test, options: Partial<MemoryStoreOptions> = {}) {
  const clock = { now: 1_000_000 }
  const store = createMemoryStore({ now: () => clock.now, ...options })
  t.teardown(() => store.close())
  return { clock, store }
}

const key = () => sessionKeys(randomUUID()).data

t.test('expiry follows the injected clock to the millisecond', async (t) => {
  const { clock, store } = clocked(t)
  const k = key()
  await store.set(k, Buffer.from('v'), 1000, 'u')
  clock.now += 999
  t.ok(await store.get(k), 'alive 1 ms before its TTL')
  clock.now += 1
  t.equal(await store.get(k), null, 'gone at its TTL, as Redis PX')
  t.equal(store.size(), 0, 'a lazily expired entry is dropped')
})

t.test('deleteUserSessions does not count a session that expired unread', async (t) => {
  const { clock, store } = clocked(t)
  await store.set(key(), Buffer.from('old'), 1000, 'u')
  await store.set(key(), Buffer.from('new'), 5000, 'u')
  clock.now += 1000
  t.equal(await store.deleteUserSessions('u'), 1)
  t.equal(store.size(), 0)
})

t.test('when full, the least recently written session is evicted', async (t) => {
  const { store } = clocked(t, { maxEntries: 3 })
  const [a, b, c, d] = [key(), key(), key(), key()]
  await store.set(a, Buffer.from('a'), 60_000, 'u1')
  await store.set(b, Buffer.from('b'), 60_000, 'u2')
  await store.set(c, Buffer.from('c'), 60_000, 'u1')
  await store.update(a, Buffer.from('a2'), 60_000)
  await store.set(d, Buffer.from('d'), 60_000, 'u1')
  t.equal(store.size(), 3)
  t.equal(await store.get(b), null, 'b was written longest ago')
  t.same(await store.get(a), Buffer.from('a2'), 'a was renewed, so it stays')
  t.equal(await store.deleteUserSessions('u2'), 0, 'the evicted session left its user index')
  t.equal(await store.deleteUserSessions('u1'), 3)
})

t.test('expired entries make room before any live session is evicted', async (t) => {
  const { clock, store } = clocked(t, { maxEntries: 2 })
  const [a, b, c] = [key(), key(), key()]
  await store.set(a, Buffer.from('a'), 60_000, 'u')
  await store.set(b, Buffer.from('b'), 10, 'u')
  clock.now += 10
  await store.set(c, Buffer.from('c'), 60_000, 'u')
  t.same(await store.get(a), Buffer.from('a'))
  t.same(await store.get(c), Buffer.from('c'))
})

t.test('login states and locks are never evicted: a full store refuses instead', async (t) => {
  const { store } = clocked(t, { maxEntries: 2 })
  const session = key()
  await store.set(session, Buffer.from('s'), 60_000, 'u')
  t.equal(await store.claimOnce('state:1', 60_000), true)
  t.equal(await store.claimOnce('state:2', 60_000), true, 'the session made room')
  t.equal(await store.get(session), null)
  await t.rejects(store.claimOnce('state:3', 60_000), { code: 'AAP_ERR_STORE_UNAVAILABLE' })
  await t.rejects(store.acquireLock('lock', 'a', 60_000), { code: 'AAP_ERR_STORE_UNAVAILABLE' })
  t.equal(await store.claimOnce('state:1', 60_000), false, 'the first claim is still remembered')
})

t.test('the background sweep drops expired entries and stops on close', async (t) => {
  const { clock, store } = clocked(t, { sweepIntervalMs: 5 })
  await store.set(key(), Buffer.from('v'), 100, 'u')
  await store.claimOnce('state:x', 100)
  t.equal(store.size(), 2)
  clock.now += 100
  await until(() => store.size() === 0)
  await store.close()
  t.equal(store.size(), 0)
})

t.test('maxEntries must allow at least one entry', async (t) => {
  t.throws(() => createMemoryStore({ now: Date.now, maxEntries: 0 }), { code: 'AAP_ERR_STORE_CONFIG_INVALID' })
  t.throws(() => createMemoryStore({ now: Date.now, maxEntries: 1.5 }), { code: 'AAP_ERR_STORE_CONFIG_INVALID' })
})
