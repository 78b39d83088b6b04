// SPEC §7 single flight inside one process: concurrent requests of one session share one
// refresh, so AIHubMix sees one call and the store sees one lock attempt, not one per request
// (the Redis lock alone would keep AIHubMix to one call, with 49 requests polling the store).
import t from 'tap'
import { Browser, signIn } from '../helpers/browser.js'
import { makeStore, startStack } from '../helpers/stack.js'
import { calls, control, cookieOf, countingStore, get, makeClock, seen } from './refresh-helpers.js'

const ACCESS_TTL_S = 600

t.test('50 concurrent requests on one instance after expiry: one refresh, one lock acquisition', async (t) => {
  const clock = makeClock()
  const memory = makeStore('memory')
  t.teardown(() => memory.close())
  const { store, counts } = countingStore(memory)
  // userinfo stays fresh past the token's expiry: no background fetch takes the lock too.
  const stack = await startStack(t, { sharedStore: store, now: clock.now, config: { userinfoTtl: '1h' } })
  await control(stack, 'settings', { access_token_ttl: ACCESS_TTL_S })
  const browser = new Browser()
  await signIn(browser, stack.proxyUrl)
  const cookie = cookieOf(browser, stack)
  await control(stack, 'calls/reset', {})
  counts.clear()

  clock.offset += (ACCESS_TTL_S + 1) * 1000
  const answers = await Promise.all(Array.from({ length: 50 }, () => get(`${stack.proxyUrl}/headers`, { cookie, accept: 'application/json' })))
  t.same(answers.map((a) => a.status), Array(50).fill(200), 'all 50 requests succeed')
  t.same(new Set(answers.map((a) => seen(a)['x-user-id'])), new Set(['1001']))
  t.equal((await calls(stack)).token_refresh_token, 1, 'AIHubMix saw one refresh')
  t.equal(counts.get('acquireLock'), 1, 'the store saw one lock acquisition')
  t.equal(counts.get('update'), 1, 'and one write')
})
