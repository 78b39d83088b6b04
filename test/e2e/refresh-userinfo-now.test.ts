// SPEC §7: `?refresh=1` on <authPrefix>/userinfo fetches at once, so the answer AND the next
// proxied request carry the new balance, even when the session's lock is busy: with the
// background fetch the same request started, with an older one, or with another replica's
// token refresh. Real Redis, real simulator (its latency fault keeps the holder busy).
import t, { type Test } from 'tap'
import { Browser, signIn } from '../helpers/browser.js'
import type { Stack } from '../helpers/stack.js'
import { until } from '../session/redis-helpers.js'
import { calls, control, cookieOf, get, makeClock, replicas, seen, type Clock } from './refresh-helpers.js'

const LATENCY_MS = 800

async function balanceNow (stack: Stack, cookie: string): Promise<{ status: number, balance: string | undefined }> {
  const res = await get(`${stack.proxyUrl}/oauth2/userinfo?refresh=1`, { cookie, accept: 'application/json' })
  return { status: res.status, balance: res.status === 200 ? (JSON.parse(res.body) as { balance_formatted?: string }).balance_formatted : undefined }
}

async function proxiedBalance (stack: Stack, cookie: string): Promise<string | undefined> {
  return seen(await get(`${stack.proxyUrl}/headers`, { cookie, accept: 'application/json' }))['x-user-balance']
}

async function signedIn (t: Test, clocks: Clock[]): Promise<{ stacks: Stack[], cookie: string }> {
  const stacks = await replicas(t, clocks[0] as Clock, { userinfoTtl: '30s' }, clocks.length, { clocks })
  const browser = new Browser()
  await signIn(browser, (stacks[0] as Stack).proxyUrl)
  return { stacks, cookie: cookieOf(browser, stacks[0] as Stack) }
}

t.test('the background fetch this same request started holds the lock', async (t) => {
  const clock = makeClock()
  const { stacks: [stack], cookie } = await signedIn(t, [clock]) as { stacks: [Stack], cookie: string }
  t.equal(await proxiedBalance(stack, cookie), '15.00')
  await control(stack, 'users/1001', { used_quota: 5_000_000 }, 'PATCH')
  // Stale userinfo: the lookup of the ?refresh=1 request itself starts a (slow) background fetch.
  clock.offset += 31 * 1000
  await control(stack, 'faults', { endpoint: 'userinfo', mode: 'latency', latency_ms: LATENCY_MS, times: 1 })
  t.same(await balanceNow(stack, cookie), { status: 200, balance: '10.00' }, '?refresh=1 answers the new balance')
  t.equal(await proxiedBalance(stack, cookie), '10.00', 'the next proxied request carries it')
})

t.test('an older background fetch holds the lock', async (t) => {
  const clock = makeClock()
  const { stacks: [stack], cookie } = await signedIn(t, [clock]) as { stacks: [Stack], cookie: string }
  clock.offset += 31 * 1000
  await control(stack, 'faults', { endpoint: 'userinfo', mode: 'latency', latency_ms: LATENCY_MS, times: 1 })
  await control(stack, 'calls/reset', {})
  t.equal(await proxiedBalance(stack, cookie), '15.00', 'stale-while-revalidate: served from the session')
  await until(async () => (await calls(stack)).userinfo === 1)
  // The background call was sent before this change and this ?refresh=1.
  await control(stack, 'users/1001', { used_quota: 5_000_000 }, 'PATCH')
  t.same(await balanceNow(stack, cookie), { status: 200, balance: '10.00' }, '?refresh=1 answers the new balance')
  t.equal(await proxiedBalance(stack, cookie), '10.00', 'the next proxied request carries it')
})

t.test('another replica holds the lock for a slow token refresh', async (t) => {
  const early = makeClock()
  const late = makeClock()
  const { stacks: [first, second], cookie } = await signedIn(t, [early, late]) as { stacks: [Stack, Stack], cookie: string }
  // The second replica's clock is inside refreshSkew: its next request refreshes, slowly.
  late.offset += (7200 - 60) * 1000
  await control(first, 'faults', { endpoint: 'token', mode: 'latency', latency_ms: LATENCY_MS, times: 1 })
  await control(first, 'calls/reset', {})
  const refreshing = get(`${second.proxyUrl}/headers`, { cookie, accept: 'application/json' })
  await until(async () => (await calls(first)).token_refresh_token === 1)
  await control(first, 'users/1001', { used_quota: 5_000_000 }, 'PATCH')
  t.same(await balanceNow(first, cookie), { status: 200, balance: '10.00' }, '?refresh=1 on the first replica answers the new balance')
  t.equal((await refreshing).status, 200, 'the refresh on the other replica went through')
  t.equal(await proxiedBalance(first, cookie), '10.00', 'the next proxied request carries it')
  t.equal(await proxiedBalance(second, cookie), '10.00', 'on every replica')
  t.equal((await calls(first)).token_refresh_token, 1, 'one refresh')
})
