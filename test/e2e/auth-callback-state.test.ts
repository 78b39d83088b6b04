// SPEC §4 callback state checks on the Redis store: a replayed state is refused by the store's
// SET NX record (the state cookie is valid again in the attacker's hands, so only the store can
// say no), and the store holds no session afterwards; a duplicated `state` is a 400.
import { createHash } from 'node:crypto'
import t from 'tap'
import { request } from 'undici'
import type { Redis } from 'ioredis'
import { Browser, followProvider } from '../helpers/browser.js'
import { startStack } from '../helpers/stack.js'
import { rawClient, uniquePrefix } from '../session/redis-helpers.js'
import { sharedRedisStore } from './refresh-helpers.js'

const ALICE = { username: 'alice', password: 'alice-password' }

// Session data keys end in `}:s`, per-user indexes start with `u:` (src/session/keys.ts).
async function sessionKeysIn (redis: Redis, prefix: string): Promise<string[]> {
  const keys = await redis.keys(`${prefix}*`)
  return keys.filter((k) => k.endsWith('}:s') || k.startsWith(`${prefix}u:`))
}

t.test('a replayed state is refused by the store record (Redis) and creates no session', async (t) => {
  const prefix = uniquePrefix()
  const store = await sharedRedisStore(t, prefix)
  const redis = rawClient(t, prefix)
  const stack = await startStack(t, { sharedStore: store })

  const browser = new Browser()
  const start = await browser.fetch(`${stack.proxyUrl}/oauth2/start?rd=%2Fmine`)
  const authorizeUrl = start.location ?? ''
  const state = new URL(authorizeUrl).searchParams.get('state') ?? ''
  const stateCookies = new Map(browser.cookies(stack.proxyUrl))
  const first = await followProvider(browser, authorizeUrl, ALICE)
  t.equal(first.status, 302, 'the first use of the state signs in')
  t.equal(first.headers.location, '/mine')

  const usedKey = `${prefix}state:${createHash('sha256').update(state).digest('base64url')}`
  const ttl = await redis.pttl(usedKey)
  t.ok(ttl > 0 && ttl <= 600_000, `the use is recorded with SET NX for 10 minutes (PTTL ${ttl})`)
  const sessionsAfterLogin = await sessionKeysIn(redis, prefix)
  t.equal(sessionsAfterLogin.filter((k) => k.endsWith('}:s')).length, 1, 'one session in the store')

  // A fresh, valid code for the same state, with the original (still sealed and unexpired)
  // state cookie restored: everything but the store record says yes.
  const attacker = new Browser()
  for (const [k, v] of stateCookies) attacker.cookies(stack.proxyUrl).set(k, v)
  const replay = await followProvider(attacker, authorizeUrl, ALICE)
  t.equal(replay.status, 403, 'a replayed state gets 403')
  t.match(String(replay.headers['content-type']), /text\/html/)
  t.notOk(attacker.cookies(stack.proxyUrl).has('_aihubmix_auth'), 'no session cookie')
  t.same(await sessionKeysIn(redis, prefix), sessionsAfterLogin, 'no session created in the store')
  t.match(stack.logs.join(''), /"outcome":"state_replayed"/, 'refused because the store already held the state')
})

t.test('a duplicated state parameter gets 400 and nothing is claimed', async (t) => {
  const prefix = uniquePrefix()
  const store = await sharedRedisStore(t, prefix)
  const redis = rawClient(t, prefix)
  const stack = await startStack(t, { sharedStore: store })
  const browser = new Browser()
  const start = await browser.fetch(`${stack.proxyUrl}/oauth2/start`)
  const state = new URL(start.location ?? '').searchParams.get('state') ?? ''
  for (const query of [`code=a&state=${state}&state=${state}`, `code=a&state=${state}&state=other`, `state=${state}&code=a&state=`]) {
    const res = await browser.fetch(`${stack.proxyUrl}/oauth2/callback?${query}`)
    t.equal(res.status, 400, query)
    t.match(String(res.headers['content-type']), /text\/html/)
  }
  t.same(await redis.keys(`${prefix}state:*`), [], 'the state was never claimed')
  const res = await request(`${stack.proxyUrl}/oauth2/callback?code=a&state=${state}&state=${state}`, { headers: { accept: 'application/json' } })
  await res.body.dump()
  t.equal(res.statusCode, 400, 'also for a client that is not a browser')
})
