// SPEC §7, a hung AIHubMix under several replicas: the refresh winner's failure is shared
// (refreshRetryAt in the session), so the waiters and every later request on any replica serve
// with the old token, or answer 503 with Retry-After once it expired, without calling AIHubMix
// again until the backoff passes. Three proxies on one real Redis, the simulator's token
// endpoint hanging (its fault injection), the proxies' clock moved instead of waited for.
import t from 'tap'
import { Browser, signIn } from '../helpers/browser.js'
import type { Stack } from '../helpers/stack.js'
import { calls, control, cookieOf, get, makeClock, replicas, seen, type Answer } from './refresh-helpers.js'

const PROVIDER_TIMEOUT_MS = 2_000

async function timed (requests: Array<() => Promise<Answer>>): Promise<{ answers: Answer[], slowestMs: number }> {
  const times: number[] = []
  const answers = await Promise.all(requests.map(async (send) => {
    const started = performance.now()
    const answer = await send()
    times.push(performance.now() - started)
    return answer
  }))
  return { answers, slowestMs: Math.max(...times) }
}

t.test('token endpoint hanging, 3 replicas: one token call per backoff, old token while valid, then 503, then recovery', async (t) => {
  const clock = makeClock()
  const stacks = await replicas(t, clock, { providerTimeout: `${PROVIDER_TIMEOUT_MS / 1000}s` })
  const [first] = stacks as [Stack, Stack, Stack]
  const browser = new Browser()
  await signIn(browser, first.proxyUrl)
  const cookie = cookieOf(browser, first)
  const api = { cookie, accept: 'application/json' }
  await control(first, 'calls/reset', {})
  await control(first, 'faults', { endpoint: 'token', mode: 'hang' })

  // One minute of the token's two hours left: inside refreshSkew (5 m), still valid.
  clock.offset += (7200 - 60) * 1000
  const burst = await timed(Array.from({ length: 30 }, (_, i) => () => get(`${(stacks[i % 3] as Stack).proxyUrl}/headers`, api)))
  t.same(burst.answers.map((a) => a.status), Array(30).fill(200), 'every request is served with the old token')
  t.same(new Set(burst.answers.map((a) => seen(a)['x-user-id'])), new Set(['1001']))
  t.equal((await calls(first)).token_refresh_token, 1, 'exactly one token call for all replicas')
  t.ok(burst.slowestMs < 2 * PROVIDER_TIMEOUT_MS, `all answered within about one providerTimeout (slowest ${Math.round(burst.slowestMs)} ms)`)

  const later = await timed(stacks.map((stack) => () => get(`${stack.proxyUrl}/headers`, api)))
  t.same(later.answers.map((a) => a.status), [200, 200, 200], 'later requests on every replica: served')
  t.ok(later.slowestMs < PROVIDER_TIMEOUT_MS, `without waiting for AIHubMix (slowest ${Math.round(later.slowestMs)} ms)`)
  t.equal((await calls(first)).token_refresh_token, 1, 'and without calling it within the backoff')

  // Past expiry, and past the backoff: one new attempt, then 503 everywhere.
  clock.offset += 120 * 1000
  const expired = await timed(stacks.map((stack) => () => get(`${stack.proxyUrl}/headers`, api)))
  t.same(expired.answers.map((a) => a.status), [503, 503, 503], 'token expired, AIHubMix hung: 503 on every replica')
  for (const answer of expired.answers) {
    t.same(JSON.parse(answer.body), { error: 'provider_unavailable' }, 'JSON for API clients')
    const retryAfter = Number(answer.headers['retry-after'])
    t.ok(retryAfter >= 1 && retryAfter <= 5, `Retry-After ${String(answer.headers['retry-after'])} s: the backoff left`)
  }
  t.ok(expired.slowestMs < 2 * PROVIDER_TIMEOUT_MS, `within about one providerTimeout (slowest ${Math.round(expired.slowestMs)} ms)`)
  t.equal((await calls(first)).token_refresh_token, 2, 'one more token call after the backoff, not one per replica')

  const page = await get(`${(stacks[2] as Stack).proxyUrl}/private`, { cookie, accept: 'text/html' })
  t.equal(page.status, 503, 'a browser gets 503')
  t.match(String(page.headers['content-type']), /text\/html/, 'as a page')
  t.ok(Number(page.headers['retry-after']) >= 1, 'with Retry-After')
  t.equal((await calls(first)).token_refresh_token, 2, 'still no new token call within the backoff')

  await control(first, 'faults', {}, 'DELETE')
  clock.offset += 10 * 1000
  const back = await get(`${(stacks[1] as Stack).proxyUrl}/headers`, api)
  t.equal(back.status, 200, 'AIHubMix healthy, backoff over: the same cookie works, no re-login')
  t.equal(seen(back)['x-user-id'], '1001')
  t.equal((await calls(first)).token_refresh_token, 3)
  const everywhere = await Promise.all(stacks.map((stack) => get(`${stack.proxyUrl}/headers`, api)))
  t.same(everywhere.map((a) => a.status), [200, 200, 200], 'on every replica')
  t.equal((await calls(first)).token_refresh_token, 3, 'with the refreshed token the winner saved')
})
