// SPEC §7 stale-while-revalidate during an AIHubMix userinfo outage: the first background fetch
// that fails records `userinfoRetryAt` in the session, so no replica asks AIHubMix again for
// this session until it passes, and every request goes on with the stored userinfo. Without
// it, each request after userinfoTtl would start one more doomed call. Real Redis, real
// simulator, two replicas.
import t from 'tap'
import { Browser, signIn } from '../helpers/browser.js'
import type { Stack } from '../helpers/stack.js'
import { until } from '../session/redis-helpers.js'
import { calls, control, cookieOf, get, makeClock, replicas, seen } from './refresh-helpers.js'

// providerTimeout (10 s by default) is above the 5 s floor: the backoff is providerTimeout.
const BACKOFF_S = 10

t.test('a failed background userinfo fetch backs off on every replica; the balance catches up afterwards', async (t) => {
  const clock = makeClock()
  const [first, second] = await replicas(t, clock, { userinfoTtl: '30s' }, 2) as [Stack, Stack]
  const browser = new Browser()
  await signIn(browser, first.proxyUrl)
  const cookie = cookieOf(browser, first)
  const balanceAt = async (stack: Stack): Promise<{ status: number, balance: string | undefined }> => {
    const res = await get(`${stack.proxyUrl}/headers`, { cookie, accept: 'application/json' })
    return { status: res.status, balance: seen(res)['x-user-balance'] }
  }

  await control(first, 'faults', { endpoint: 'userinfo', mode: 'status', status: 500 })
  await control(first, 'calls/reset', {})
  clock.offset += 31 * 1000
  t.same(await balanceAt(first), { status: 200, balance: '15.00' }, 'stale-while-revalidate: served from the session')
  await until(async () => (await calls(first)).userinfo === 1)
  for (let i = 0; i < 10; i++) {
    t.same(await balanceAt(i % 2 === 0 ? second : first), { status: 200, balance: '15.00' }, `request ${i + 2} served from the session`)
  }
  // ?refresh=1 waits for any fetch its replica still runs, then asks AIHubMix itself (it ignores
  // the backoff): after one on each replica, every background fetch has been counted.
  for (const stack of [first, second]) {
    const asked = await get(`${stack.proxyUrl}/oauth2/userinfo?refresh=1`, { cookie, accept: 'application/json' })
    t.equal(asked.status, 503, '?refresh=1 says AIHubMix is down')
  }
  t.equal((await calls(first)).userinfo, 3, 'one background call for 11 requests on 2 replicas, plus the two ?refresh=1')

  await control(first, 'faults', {}, 'DELETE')
  await control(first, 'users/1001', { used_quota: 5_000_000 }, 'PATCH')
  clock.offset += (BACKOFF_S + 1) * 1000
  t.same(await balanceAt(second), { status: 200, balance: '15.00' }, 'past the backoff: this request still gets the stored copy')
  await until(async () => (await balanceAt(first)).balance === '10.00')
  t.pass('the next background fetch brings the new balance')
  t.equal((await calls(first)).userinfo, 4, 'and it took one call')
})
