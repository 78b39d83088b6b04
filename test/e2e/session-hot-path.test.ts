// SPEC §7 hot path: a signed-in proxied request costs one store round trip (the session and
// its TTL left, pipelined on one key); the idle renewal, at most once a minute, adds a single
// PEXPIRE sent without waiting: no lock, no rewrite. Real Redis; the store calls are counted
// on their way to it, and the key's TTL is read back from Redis itself.
import t from 'tap'
import { Browser, signIn } from '../helpers/browser.js'
import { startStack } from '../helpers/stack.js'
import { rawClient, until, uniquePrefix } from '../session/redis-helpers.js'
import { cookieOf, countingStore, get, sharedRedisStore } from './refresh-helpers.js'

const IDLE_MS = 7 * 86_400_000

t.test('steady state: one read per request; an aged session: one PEXPIRE, then none again', async (t) => {
  const prefix = uniquePrefix()
  const raw = rawClient(t, prefix)
  const { store, counts } = countingStore(await sharedRedisStore(t, prefix))
  const stack = await startStack(t, { sharedStore: store })
  const browser = new Browser()
  await signIn(browser, stack.proxyUrl)
  const api = { cookie: cookieOf(browser, stack), accept: 'application/json' }
  const [key] = await raw.keys(`${prefix}*:s`)
  if (key === undefined) throw new Error('no session key')
  const written = await raw.pttl(key)
  t.ok(written > IDLE_MS - 60_000, 'the login stored the session for the idle timeout')

  counts.clear()
  for (let i = 0; i < 5; i++) t.equal((await get(`${stack.proxyUrl}/headers`, api)).status, 200)
  t.same(Object.fromEntries(counts), { getWithTtl: 5 }, 'steady state: one getWithTtl per request, nothing else')

  // Two minutes gone from the key, as after two idle minutes.
  await raw.pexpire(key, written - 120_000)
  counts.clear()
  t.equal((await get(`${stack.proxyUrl}/headers`, api)).status, 200)
  await until(async () => await raw.pttl(key) > IDLE_MS - 60_000)
  t.pass('the key is back to the full idle timeout')
  t.same(Object.fromEntries(counts), { getWithTtl: 1, expire: 1 }, 'renewal: the read plus one expire; no lock, no rewrite')

  counts.clear()
  for (let i = 0; i < 3; i++) t.equal((await get(`${stack.proxyUrl}/headers`, api)).status, 200)
  t.same(Object.fromEntries(counts), { getWithTtl: 3 }, 'renewed: no further renewal within the minute')
})

t.test('a key lost less than a minute is not renewed; a signed-out session is not brought back', async (t) => {
  const prefix = uniquePrefix()
  const raw = rawClient(t, prefix)
  const { store, counts } = countingStore(await sharedRedisStore(t, prefix))
  const stack = await startStack(t, { sharedStore: store })
  const browser = new Browser()
  await signIn(browser, stack.proxyUrl)
  const cookie = cookieOf(browser, stack)
  const [key] = await raw.keys(`${prefix}*:s`)
  if (key === undefined) throw new Error('no session key')
  await raw.pexpire(key, await raw.pttl(key) - 30_000)
  counts.clear()
  t.equal((await get(`${stack.proxyUrl}/headers`, { cookie })).status, 200)
  t.same(Object.fromEntries(counts), { getWithTtl: 1 }, '30 s lost: no renewal yet')

  const out = await get(`${stack.proxyUrl}/oauth2/sign_out`, { cookie, 'sec-fetch-site': 'same-origin' })
  t.equal(out.status, 302)
  t.equal(await raw.exists(key), 0, 'signed out')
  t.equal(await store.expire(key.slice(prefix.length), IDLE_MS), false, 'a late renewal is a no-op')
  t.equal(await raw.exists(key), 0, 'and does not bring the session back')
})
