// SPEC §3 allowBearer, §5: a non-browser client signs in with `Authorization: Bearer <AIHubMix
// access token>`. Real sockets: the simulator issues the token (through a real login), the demo
// upstream echoes what it received, and the simulator's call counter shows how often the proxy
// asked AIHubMix.
import t from 'tap'
import { request } from 'undici'
import { Browser, signIn } from '../helpers/browser.js'
import { startRecordingUpstream } from '../helpers/recording-upstream.js'
import { startStack, type Stack } from '../helpers/stack.js'

interface Answer { status: number, headers: Record<string, unknown>, body: string }

async function get (url: string, headers: Record<string, string>): Promise<Answer> {
  const res = await request(url, { headers })
  return { status: res.statusCode, headers: res.headers, body: await res.body.text() }
}

async function control (stack: Stack, method: 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<void> {
  const res = await request(`${stack.simulatorUrl}/__control/${path}`, {
    method, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  })
  const text = await res.body.text()
  if (res.statusCode >= 300) throw new Error(`control ${path}: ${res.statusCode} ${text}`)
}

async function userinfoCalls (stack: Stack): Promise<number> {
  const res = await request(`${stack.simulatorUrl}/__control/calls`)
  return (await res.body.json() as { userinfo: number }).userinfo
}

// A live AIHubMix access token the proxy has never seen as a bearer: a real login through the
// simulator, then the access token it issued. Returns the browser too (it holds a session).
async function freshToken (stack: Stack, user = { username: 'alice', password: 'alice-password' }): Promise<{ token: string, browser: Browser }> {
  const before = new Set(stack.simulator.state.tokens.keys())
  const browser = new Browser()
  const done = await signIn(browser, stack.proxyUrl, user)
  if (done.status !== 302) throw new Error(`login answered ${done.status}`)
  const token = [...stack.simulator.state.tokens].find(([value, record]) => record.kind === 'access' && !before.has(value))?.[0]
  if (token === undefined) throw new Error('no access token issued')
  return { token, browser }
}

function cookieOf (browser: Browser, stack: Stack): string {
  return [...browser.cookies(stack.proxyUrl)].map(([k, v]) => `${k}=${v}`).join('; ')
}

const API = { accept: 'application/json' }
const BROWSER = { accept: 'text/html,application/xhtml+xml' }

t.test('a valid AIHubMix token passes with the identity headers; the upstream never sees it, nor do the logs', async (t) => {
  const stack = await startStack(t, { config: { allowBearer: true } })
  const { token } = await freshToken(stack)
  const res = await get(`${stack.proxyUrl}/headers`, { ...API, authorization: `Bearer ${token}` })
  t.equal(res.status, 200)
  const seen = JSON.parse(res.body) as Record<string, string>
  t.equal(seen['x-user-id'], '1001')
  t.equal(seen['x-user-name'], 'alice')
  t.equal(seen['x-user-email'], 'alice@example.com')
  t.notOk('authorization' in seen, 'Authorization used as a proxy bearer is not forwarded')
  t.notOk('x-access-token' in seen, 'passAccessToken is off')
  // The scheme is case-insensitive (RFC 9110 §11.1).
  const lower = await get(`${stack.proxyUrl}/headers`, { ...API, authorization: `bearer ${token}` })
  t.equal(lower.status, 200)
  t.notOk(stack.logs.join('').includes(token), 'the token is never logged')
})

t.test('a bearer answers for the session only when no session cookie came: the cookie decides, Authorization passes through', async (t) => {
  const stack = await startStack(t, { config: { allowBearer: true } })
  const { browser } = await freshToken(stack, { username: '张三', password: 'zhangsan-password' })
  const { token } = await freshToken(stack)
  const res = await get(`${stack.proxyUrl}/headers`, { ...API, cookie: cookieOf(browser, stack), authorization: `Bearer ${token}` })
  t.equal(res.status, 200)
  const seen = JSON.parse(res.body) as Record<string, string>
  t.equal(seen['x-user-id'], '1002', 'the session cookie wins')
  t.equal(seen.authorization, `Bearer ${token}`, 'not used as a proxy bearer: the app\'s business')
})

t.test('an invalid token gets 401 JSON, never a redirect, and AIHubMix is asked once for it', async (t) => {
  const stack = await startStack(t, { config: { allowBearer: true } })
  await control(stack, 'POST', 'calls/reset')
  for (const accept of [API, BROWSER, BROWSER]) {
    const res = await get(`${stack.proxyUrl}/headers`, { ...accept, authorization: 'Bearer not-a-live-token' })
    t.equal(res.status, 401)
    t.equal(res.headers['www-authenticate'], 'Bearer error="invalid_token"')
    t.match(JSON.parse(res.body), { error: 'unauthorized', login_url: '/oauth2/start?rd=%2Fheaders' })
  }
  t.equal(await userinfoCalls(stack), 1, 'a refused token is remembered as refused')
  const garbage = await get(`${stack.proxyUrl}/headers`, { ...API, authorization: 'Bearer not;a"token' })
  t.equal(garbage.status, 401)
  t.equal(await userinfoCalls(stack), 1, 'a value that cannot be a token never reaches AIHubMix')
  // Another scheme is no bearer at all: signed out, answered as §5 says (a redirect for a page).
  const basic = await get(`${stack.proxyUrl}/headers`, { ...BROWSER, authorization: 'Basic YTpi' })
  t.equal(basic.status, 302)
})

t.test('concurrent requests with one new token share one userinfo call, then the cache answers', async (t) => {
  const stack = await startStack(t, { config: { allowBearer: true } })
  const { token } = await freshToken(stack)
  await control(stack, 'POST', 'calls/reset')
  // Slow enough that all twenty arrive while the first call is still out.
  await control(stack, 'POST', 'faults', { endpoint: 'userinfo', mode: 'latency', latency_ms: 300 })
  const answers = await Promise.all(Array.from({ length: 20 }, () =>
    get(`${stack.proxyUrl}/headers`, { ...API, authorization: `Bearer ${token}` })))
  t.same(answers.map((a) => a.status), Array(20).fill(200))
  t.equal(await userinfoCalls(stack), 1)
  await get(`${stack.proxyUrl}/headers`, { ...API, authorization: `Bearer ${token}` })
  t.equal(await userinfoCalls(stack), 1, 'within userinfoTtl the cached answer is used')
})

t.test('the cache expires after userinfoTtl: a revoked token stops working', async (t) => {
  let offset = 0
  const stack = await startStack(t, { config: { allowBearer: true, userinfoTtl: '30s' }, now: () => Date.now() + offset })
  const { token } = await freshToken(stack)
  t.equal((await get(`${stack.proxyUrl}/headers`, { ...API, authorization: `Bearer ${token}` })).status, 200)
  await control(stack, 'POST', 'revoke', { user_id: 1001 })
  t.equal((await get(`${stack.proxyUrl}/headers`, { ...API, authorization: `Bearer ${token}` })).status, 200, 'cached for userinfoTtl')
  offset = 31_000
  t.equal((await get(`${stack.proxyUrl}/headers`, { ...API, authorization: `Bearer ${token}` })).status, 401)
})

t.test('AIHubMix unavailable: 503, fail closed, and the failure is not remembered', async (t) => {
  const stack = await startStack(t, { config: { allowBearer: true } })
  const { token } = await freshToken(stack)
  await control(stack, 'POST', 'faults', { endpoint: 'userinfo', mode: 'status', status: 502 })
  const down = await get(`${stack.proxyUrl}/headers`, { ...API, authorization: `Bearer ${token}` })
  t.equal(down.status, 503)
  t.ok(down.headers['retry-after'])
  t.match(JSON.parse(down.body), { error: 'provider_unavailable' })
  await control(stack, 'POST', 'faults', { endpoint: 'userinfo', mode: 'reset' })
  t.equal((await get(`${stack.proxyUrl}/headers`, { ...API, authorization: `Bearer ${token}` })).status, 503)
  await control(stack, 'DELETE', 'faults')
  t.equal((await get(`${stack.proxyUrl}/headers`, { ...API, authorization: `Bearer ${token}` })).status, 200)
})

t.test('access rules apply to bearer identities: a disabled account, minBalance', async (t) => {
  const stack = await startStack(t, { config: { allowBearer: true } })
  const { token } = await freshToken(stack)
  await control(stack, 'PATCH', 'users/1001', { status: 2 })
  const disabled = await get(`${stack.proxyUrl}/headers`, { ...API, authorization: `Bearer ${token}` })
  t.equal(disabled.status, 403)
  t.match(JSON.parse(disabled.body), { error: 'account_disabled' })

  const poor = await startStack(t, { config: { allowBearer: true, minBalance: 1_000_000 } })
  const rich = await freshToken(poor)
  const below = await get(`${poor.proxyUrl}/headers`, { ...API, authorization: `Bearer ${rich.token}` })
  t.equal(below.status, 402)
  t.match(JSON.parse(below.body), { error: 'insufficient_balance', topup_url: '/oauth2/topup' })
})

t.test('allowedUsers refuses a bearer user outside the list', async (t) => {
  const stack = await startStack(t, { config: { allowBearer: true, allowedUsers: '1002' } })
  // Alice cannot sign in here (the callback refuses her), so her token comes from a second
  // proxy on the same simulator that lets everyone in.
  const open = await startStack(t, { simulator: stack.simulator, config: { allowBearer: true } })
  const { token } = await freshToken(open)
  const res = await get(`${stack.proxyUrl}/headers`, { ...API, authorization: `Bearer ${token}` })
  t.equal(res.status, 403)
  t.match(JSON.parse(res.body), { error: 'forbidden' })
})

t.test('skipped routes: a valid bearer adds identity and is removed; without allowBearer Authorization is untouched', async (t) => {
  const on = await startStack(t, { config: { allowBearer: true, skipAuthRoutes: '^/public' } })
  const { token } = await freshToken(on)
  const seenOn = JSON.parse((await get(`${on.proxyUrl}/public`, { ...API, authorization: `Bearer ${token}` })).body) as { headers: Record<string, string> }
  t.equal(seenOn.headers['x-user-id'], '1001')
  t.notOk('authorization' in seenOn.headers)

  const off = await startStack(t, { simulator: on.simulator, config: { skipAuthRoutes: '^/public' } })
  const seenOff = JSON.parse((await get(`${off.proxyUrl}/public`, { ...API, authorization: `Bearer ${token}` })).body) as { headers: Record<string, string> }
  t.equal(seenOff.headers.authorization, `Bearer ${token}`, 'the app\'s business')
  t.notOk('x-user-id' in seenOff.headers, 'no identity from a bearer without allowBearer')
})

t.test('without allowBearer a bearer signs nobody in, and Authorization reaches the upstream with a session', async (t) => {
  const stack = await startStack(t)
  const { token, browser } = await freshToken(stack)
  await control(stack, 'POST', 'calls/reset')
  const refused = await get(`${stack.proxyUrl}/headers`, { ...API, authorization: `Bearer ${token}` })
  t.equal(refused.status, 401)
  t.equal(refused.headers['www-authenticate'], undefined)
  t.equal(await userinfoCalls(stack), 0, 'the token is not even checked')
  const res = await get(`${stack.proxyUrl}/headers`, { ...API, cookie: cookieOf(browser, stack), authorization: 'Bearer the-apps-own-token' })
  t.equal(res.status, 200)
  const seen = JSON.parse(res.body) as Record<string, string>
  t.equal(seen.authorization, 'Bearer the-apps-own-token')
  t.equal(seen['x-user-id'], '1001')
})

t.test('a token the proxy read as its bearer never reaches the upstream: valid, refused or unchecked, protected or skipped', async (t) => {
  const upstream = await startRecordingUpstream(t)
  const stack = await startStack(t, { config: { allowBearer: true, skipAuthRoutes: '^/public/', upstream: upstream.url } })
  const { token: valid } = await freshToken(stack)
  const { token: unchecked } = await freshToken(stack)
  const { browser } = await freshToken(stack, { username: '张三', password: 'zhangsan-password' })

  // [token, what AIHubMix makes of it, status on a protected route]
  const cases: Array<[string, string, number]> = [
    [valid, 'valid', 200],
    ['not-a-live-token', 'refused', 401],
    ['not;a"token', 'not a token at all', 401]
  ]
  for (const [token, what, status] of cases) {
    for (const scheme of ['Bearer', 'bearer']) {
      upstream.seen.length = 0
      const protectedRes = await get(`${stack.proxyUrl}/private`, { ...API, authorization: `${scheme} ${token}` })
      t.equal(protectedRes.status, status, `${what}, protected route: ${status}`)
      const skipped = await get(`${stack.proxyUrl}/public/x`, { ...API, authorization: `${scheme} ${token}` })
      t.equal(skipped.status, 200, `${what}, skipped route: proxied`)
      t.same(upstream.seen.map((r) => r.url), status === 200 ? ['/private', '/public/x'] : ['/public/x'])
      for (const seen of upstream.seen) {
        t.notOk('authorization' in seen.headers, `${what} (${scheme}), ${seen.url}: Authorization never reaches the upstream`)
        t.equal(seen.headers['x-user-id'], what === 'valid' ? '1001' : undefined, `${what}, ${seen.url}: identity only for a valid token`)
      }
    }
  }

  // AIHubMix down: the token could not be checked, and it is still a live credential.
  await control(stack, 'POST', 'faults', { endpoint: 'userinfo', mode: 'status', status: 502 })
  upstream.seen.length = 0
  const down = await get(`${stack.proxyUrl}/private`, { ...API, authorization: `Bearer ${unchecked}` })
  t.equal(down.status, 503, 'provider down, protected route: 503')
  const downSkipped = await get(`${stack.proxyUrl}/public/x`, { ...API, authorization: `Bearer ${unchecked}` })
  t.equal(downSkipped.status, 200, 'provider down, skipped route: proxied')
  t.same(upstream.seen.map((r) => r.url), ['/public/x'])
  t.notOk('authorization' in (upstream.seen[0]?.headers ?? {}), 'provider down, skipped route: Authorization dropped')
  t.notOk('x-user-id' in (upstream.seen[0]?.headers ?? {}), 'and no identity')
  await control(stack, 'DELETE', 'faults')

  // With the session cookie the proxy never read Authorization: it is the app's.
  upstream.seen.length = 0
  const withCookie = await get(`${stack.proxyUrl}/public/x`, { ...API, cookie: cookieOf(browser, stack), authorization: `Bearer ${valid}` })
  t.equal(withCookie.status, 200)
  t.equal(upstream.seen[0]?.headers.authorization, `Bearer ${valid}`, 'a cookie request keeps its Authorization')
  t.equal(upstream.seen[0]?.headers['x-user-id'], '1002', 'and the session\'s identity')
  t.notOk(stack.logs.join('').includes(unchecked), 'no token in the logs')
})
