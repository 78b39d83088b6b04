// SPEC §7 refresh and userinfo freshness, across replicas, through real sockets: the proxies
// share one real Redis and one simulator; their clock is moved past token expiry instead of
// waiting for it, so every assertion is about what happened, never about how fast.
import t from 'tap'
import { Browser, signIn } from '../helpers/browser.js'
import { startRelay } from '../helpers/relay.js'
import { buildSimulator } from '../../src/simulator/app.js'
import { startStack, type Stack } from '../helpers/stack.js'
import { until } from '../session/redis-helpers.js'
import { calls, control, cookieOf, get, makeClock, replicas, seen } from './refresh-helpers.js'

const ACCESS_TTL_S = 600

t.test('50 concurrent requests over 3 replicas after expiry: all succeed, exactly one refresh', async (t) => {
  const clock = makeClock()
  const stacks = await replicas(t, clock)
  const [first] = stacks as [Stack, Stack, Stack]
  // Shortened from AIHubMix's 2 h; rotation and reuse detection stay on (the simulator's default).
  await control(first, 'settings', { access_token_ttl: ACCESS_TTL_S, rotate_refresh_tokens: true })
  const browser = new Browser()
  await signIn(browser, first.proxyUrl)
  const cookie = cookieOf(browser, first)
  await control(first, 'calls/reset', {})

  clock.offset += (ACCESS_TTL_S + 1) * 1000
  const answers = await Promise.all(Array.from({ length: 50 }, async (_, i) => {
    const stack = stacks[i % 3] as Stack
    return get(`${stack.proxyUrl}/headers`, { cookie, accept: 'application/json' })
  }))
  t.same(answers.map((a) => a.status), Array(50).fill(200), 'all 50 requests succeed')
  t.same(new Set(answers.map((a) => (JSON.parse(a.body) as Record<string, string>)['x-user-id'])), new Set(['1001']), 'each carries the user')
  t.equal((await calls(first)).token_refresh_token, 1, 'the simulator saw exactly one refresh')

  // Had a rotated refresh token been spent twice, the simulator would have revoked the grant
  // and this second refresh would end the session.
  clock.offset += (ACCESS_TTL_S + 1) * 1000
  const later = await get(`${stacks[1]?.proxyUrl ?? ''}/headers`, { cookie, accept: 'application/json' })
  t.equal(later.status, 200, 'the grant is intact: no refresh token was reused')
  t.equal((await calls(first)).token_refresh_token, 2)
})

t.test('a revoked grant ends the session at the next refresh: browser -> sign_in, API -> 401', async (t) => {
  const clock = makeClock()
  const [first, second] = await replicas(t, clock) as [Stack, Stack, Stack]
  const tab = new Browser()
  const api = new Browser()
  await signIn(tab, first.proxyUrl)
  await signIn(api, first.proxyUrl)
  await control(first, 'revoke', { user_id: 1001, client_id: first.config.clientId })

  clock.offset += 7201 * 1000
  const page = await get(`${second.proxyUrl}/private`, { cookie: cookieOf(tab, first), accept: 'text/html' })
  t.equal(page.status, 302, 'a browser is sent to sign in')
  t.match(String(page.headers.location), /^\/oauth2\/sign_in\?rd=%2Fprivate/)
  const json = await get(`${first.proxyUrl}/private`, { cookie: cookieOf(api, first), accept: 'application/json' })
  t.equal(json.status, 401, 'an API client gets 401')
  t.match(JSON.parse(json.body), { error: 'unauthorized' })
  const again = await get(`${first.proxyUrl}/private`, { cookie: cookieOf(tab, first), accept: 'application/json' })
  t.equal(again.status, 401, 'the session is gone from the store, on every replica')
})

t.test('a 401 from userinfo ends the session only after one refresh try', async (t) => {
  const clock = makeClock()
  const [first] = await replicas(t, clock) as [Stack, Stack, Stack]
  const kept = new Browser()
  await signIn(kept, first.proxyUrl)
  // The access token dies early (AIHubMix dropped it), the grant is still good: one refresh
  // recovers and the user never notices.
  await control(first, 'faults', { endpoint: 'userinfo', mode: 'status', status: 401, times: 1 })
  await control(first, 'calls/reset', {})
  const recovered = await get(`${first.proxyUrl}/oauth2/userinfo?refresh=1`, { cookie: cookieOf(kept, first), accept: 'application/json' })
  t.equal(recovered.status, 200, 'recovered by one refresh')
  t.equal((JSON.parse(recovered.body) as { id: number }).id, 1001)
  t.equal((await calls(first)).token_refresh_token, 1, 'exactly one refresh was tried')

  // The grant itself revoked: the refresh fails too, so the session ends.
  await control(first, 'revoke', { user_id: 1001, client_id: first.config.clientId })
  const ended = await get(`${first.proxyUrl}/oauth2/userinfo?refresh=1`, { cookie: cookieOf(kept, first), accept: 'application/json' })
  t.equal(ended.status, 401, 'signed out')
  const after = await get(`${first.proxyUrl}/headers`, { cookie: cookieOf(kept, first), accept: 'application/json' })
  t.equal(after.status, 401, 'the session is gone')
})

t.test('AIHubMix down: the old token serves while valid, then 503 + Retry-After, then recovery without re-login', async (t) => {
  const clock = makeClock()
  const simulator = await buildSimulator()
  await simulator.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => simulator.close())
  const relay = await startRelay(t, (simulator.server.address() as { port: number }).port)
  // A proxy on Redis that reaches AIHubMix only through the relay, which the test takes down.
  const stack = await startStack(t, {
    store: 'redis', now: clock.now, simulator, config: { providerUrl: relay.url, providerTimeout: '2s', passAccessToken: true }
  })
  const browser = new Browser()
  await signIn(browser, stack.proxyUrl)
  const cookie = cookieOf(browser, stack)
  const api = { cookie, accept: 'application/json' }
  const oldToken = seen(await get(`${stack.proxyUrl}/headers`, api))['x-access-token']
  t.ok(oldToken, 'the upstream sees the access token')

  await relay.stop()
  t.equal(await fetch(relay.url).then(() => 'answered', () => 'refused'), 'refused', 'AIHubMix is unreachable')
  // One minute of the token's two hours left: inside refreshSkew, so the request tries a refresh.
  clock.offset += (7200 - 60) * 1000
  const stale = await get(`${stack.proxyUrl}/headers`, api)
  t.equal(stale.status, 200, 'the refresh failed, the token is still valid: served')
  t.equal(seen(stale)['x-access-token'], oldToken, 'with the old token')
  t.equal(seen(stale)['x-user-id'], '1001')
  const again = await get(`${stack.proxyUrl}/headers`, api)
  t.equal(again.status, 200, 'and again within the backoff')

  clock.offset += 120 * 1000
  const expired = await get(`${stack.proxyUrl}/headers`, api)
  t.equal(expired.status, 503, 'expired token, AIHubMix down: 503')
  const retryAfter = Number(expired.headers['retry-after'])
  t.ok(retryAfter >= 1 && retryAfter <= 5, `with Retry-After (${String(expired.headers['retry-after'])}): the backoff left`)
  t.same(JSON.parse(expired.body), { error: 'provider_unavailable' })
  const page = await get(`${stack.proxyUrl}/private`, { cookie, accept: 'text/html' })
  t.equal(page.status, 503, 'a browser gets 503 too')
  t.match(String(page.headers['content-type']), /text\/html/, 'as a page')
  t.match(page.body, /AIHubMix/)
  const pageRetry = Number(page.headers['retry-after'])
  t.ok(pageRetry >= 1 && pageRetry <= 5, `the page carries Retry-After (${String(page.headers['retry-after'])})`)

  await relay.start()
  clock.offset += 10 * 1000
  const back = await get(`${stack.proxyUrl}/headers`, api)
  t.equal(back.status, 200, 'AIHubMix back, backoff over: the same cookie works, no re-login')
  t.equal(seen(back)['x-user-id'], '1001')
  t.not(seen(back)['x-access-token'], oldToken, 'with a refreshed token')
})

t.test('a changed balance reaches the upstream within userinfoTtl, and at once after ?refresh=1', async (t) => {
  const clock = makeClock()
  const stack = await startStack(t, { store: 'redis', now: clock.now, config: { userinfoTtl: '30s' } })
  const browser = new Browser()
  await signIn(browser, stack.proxyUrl)
  const cookie = cookieOf(browser, stack)
  const balance = async (): Promise<string | undefined> => {
    const res = await get(`${stack.proxyUrl}/headers`, { cookie })
    return (JSON.parse(res.body) as Record<string, string>)['x-user-balance']
  }
  t.equal(await balance(), '15.00')

  // quota 10000000, used 5000000: (10000000 - 5000000) / 500000 = 10.00
  await control(stack, 'users/1001', { used_quota: 5_000_000 }, 'PATCH')
  t.equal(await balance(), '15.00', 'within userinfoTtl the session\'s balance is used (no AIHubMix call)')
  clock.offset += 30 * 1000
  // Stale-while-revalidate: the request that notices serves the old value and refetches behind.
  await until(async () => await balance() === '10.00', 5_000)
  t.pass('after userinfoTtl the upstream sees the new balance')

  await control(stack, 'users/1001', { used_quota: 7_500_000 }, 'PATCH')
  const fresh = await get(`${stack.proxyUrl}/oauth2/userinfo?refresh=1`, { cookie, accept: 'application/json' })
  t.equal((JSON.parse(fresh.body) as { balance_formatted: string }).balance_formatted, '5.00', '?refresh=1 asks AIHubMix now')
  t.equal(await balance(), '5.00', 'the very next proxied request carries it')
})
