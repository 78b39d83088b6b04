// SPEC §4/§8: a login destroys the browser's previous session, and the per-user index
// (revoke-user) drops it too, so the index holds live sessions only. destroy(ticket) finds the
// session's user itself.
import t from 'tap'
import { Browser, signIn } from '../helpers/browser.js'
import { startStack } from '../helpers/stack.js'
import { userIndexKey } from '../../src/session/keys.js'
import { rawClient, uniquePrefix } from '../session/redis-helpers.js'
import { cookieOf, get, sharedRedisStore } from './refresh-helpers.js'

t.test('a second login in the same browser ends the first session and its index entry', async (t) => {
  const prefix = uniquePrefix()
  const raw = rawClient(t, prefix)
  const stack = await startStack(t, { sharedStore: await sharedRedisStore(t, prefix) })
  const browser = new Browser()
  await signIn(browser, stack.proxyUrl)
  const first = cookieOf(browser, stack)
  t.equal(await raw.zcard(prefix + userIndexKey('1001')), 1)

  await signIn(browser, stack.proxyUrl)
  const second = cookieOf(browser, stack)
  t.not(second, first, 'a new session id')
  t.equal((await get(`${stack.proxyUrl}/headers`, { cookie: first, accept: 'application/json' })).status, 401, 'the old session is gone')
  t.equal((await get(`${stack.proxyUrl}/headers`, { cookie: second, accept: 'application/json' })).status, 200)
  t.equal(await raw.zcard(prefix + userIndexKey('1001')), 1, 'the index holds the live session only')
})
