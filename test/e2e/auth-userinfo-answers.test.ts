// SPEC §4/§5 and audit defect 3: <authPrefix>/userinfo (and topup) answer like a protected
// route: JSON for an API client, a page (or the 302 to sign_in) for a browser navigation, for
// every outcome: signed out, refused by the access rules, disabled, store down, AIHubMix down.
import t, { type Test } from 'tap'
import { request } from 'undici'
import { createRedisClient } from '../../src/session/redis-client.js'
import { createRedisStore } from '../../src/session/redis-store.js'
import { Browser, signIn } from '../helpers/browser.js'
import { makeStore, startStack, waitReady, type Stack } from '../helpers/stack.js'
import { startRedis } from '../session/redis-helpers.js'

const API = { accept: 'application/json' }
const BROWSER = { accept: 'text/html,application/xhtml+xml', 'accept-language': 'en' }

interface Answer { status: number, headers: Record<string, unknown>, body: string }

async function get (url: string, headers: Record<string, string>): Promise<Answer> {
  const res = await request(url, { headers })
  return { status: res.statusCode, headers: res.headers, body: await res.body.text() }
}

async function signedInCookie (stack: Stack, user?: { username: string, password: string }): Promise<string> {
  const browser = new Browser()
  const back = await signIn(browser, stack.proxyUrl, user)
  if (back.status !== 302) throw new Error(`login answered ${back.status}`)
  return [...browser.cookies(stack.proxyUrl)].map(([k, v]) => `${k}=${v}`).join('; ')
}

function isPage (t: Test, answer: Answer, label: string): void {
  t.equal(answer.headers['content-type'], 'text/html; charset=utf-8', `${label}: a page`)
  t.match(answer.headers['content-security-policy'], /default-src 'none'/, `${label}: with the page headers`)
}

function isJson (t: Test, answer: Answer, error: string, label: string): void {
  t.match(answer.headers['content-type'], /^application\/json/, `${label}: JSON`)
  t.equal((JSON.parse(answer.body) as { error?: string }).error, error, `${label}: error ${error}`)
  t.notOk('content-security-policy' in answer.headers, `${label}: no page headers`)
}

t.test('userinfo JSON holds exactly the six fields, with AIHubMix\'s JSON types', async (t) => {
  const stack = await startStack(t)
  const cookie = await signedInCookie(stack)
  const expected = { id: 1001, username: 'alice', email: 'alice@example.com', quota: 10000000, used_quota: 2500000, balance_formatted: '15.00' }
  for (const path of ['/oauth2/userinfo', '/oauth2/userinfo?refresh=1']) {
    for (const headers of [API, BROWSER]) {
      const res = await get(`${stack.proxyUrl}${path}`, { ...headers, cookie })
      t.equal(res.status, 200, path)
      t.match(res.headers['content-type'], /^application\/json/)
      t.equal(res.headers['cache-control'], 'no-store')
      const body = JSON.parse(res.body) as Record<string, unknown>
      t.strictSame(body, expected, `${path}: exactly these fields and values`)
      t.strictSame(Object.fromEntries(Object.entries(body).map(([k, v]) => [k, typeof v])), {
        id: 'number', username: 'string', email: 'string', quota: 'number', used_quota: 'number', balance_formatted: 'string'
      }, 'numbers stay numbers, strings stay strings')
    }
  }
})

t.test('userinfo signed out: 401 JSON for an API client, 302 to sign_in for a browser', async (t) => {
  const stack = await startStack(t)
  for (const cookie of [undefined, '_aihubmix_auth=garbage']) {
    const extra: Record<string, string> = cookie === undefined ? {} : { cookie }
    const api = await get(`${stack.proxyUrl}/oauth2/userinfo?refresh=1`, { ...API, ...extra })
    t.equal(api.status, 401)
    t.strictSame(JSON.parse(api.body), { error: 'unauthorized', login_url: '/oauth2/start?rd=%2Foauth2%2Fuserinfo%3Frefresh%3D1' })
    const page = await get(`${stack.proxyUrl}/oauth2/userinfo`, { ...BROWSER, ...extra })
    t.equal(page.status, 302)
    t.equal(page.headers.location, '/oauth2/sign_in?rd=%2Foauth2%2Fuserinfo')
    const script = await get(`${stack.proxyUrl}/oauth2/userinfo`, { ...BROWSER, 'x-requested-with': 'XMLHttpRequest', ...extra })
    t.equal(script.status, 401, 'a script asking for HTML still gets 401')
  }
})

t.test('userinfo for an account the allow rules refuse: 403 JSON for an API client, a page for a browser', async (t) => {
  const store = makeStore('memory')
  t.teardown(() => store.close())
  const open = await startStack(t, { sharedStore: store })
  // A replica sharing the store whose allow list leaves alice out (a narrowed rule, §3).
  const narrowed = await startStack(t, { replicaOf: open, sharedStore: store, config: { allowedUsers: '1002' } })
  const cookie = await signedInCookie(open)
  const api = await get(`${narrowed.proxyUrl}/oauth2/userinfo`, { ...API, cookie })
  t.equal(api.status, 403)
  isJson(t, api, 'forbidden', 'not allowed, API')
  const page = await get(`${narrowed.proxyUrl}/oauth2/userinfo`, { ...BROWSER, cookie })
  t.equal(page.status, 403)
  isPage(t, page, 'not allowed, browser')
  t.match(page.body, /not allowed to use this site/)
  t.equal((await get(`${open.proxyUrl}/oauth2/userinfo`, { ...API, cookie })).status, 200, 'the session itself is kept')
})

t.test('userinfo for an account disabled since login: 403 JSON for an API client, a page for a browser', async (t) => {
  const stack = await startStack(t)
  const apiCookie = await signedInCookie(stack)
  const pageCookie = await signedInCookie(stack)
  const patched = await fetch(`${stack.simulatorUrl}/__control/users/1001`, {
    method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 2 })
  })
  t.equal(patched.status, 200)
  const api = await get(`${stack.proxyUrl}/oauth2/userinfo?refresh=1`, { ...API, cookie: apiCookie })
  t.equal(api.status, 403)
  isJson(t, api, 'account_disabled', 'disabled, API')
  const page = await get(`${stack.proxyUrl}/oauth2/userinfo?refresh=1`, { ...BROWSER, cookie: pageCookie })
  t.equal(page.status, 403)
  isPage(t, page, 'disabled, browser')
  t.match(page.body, /account is disabled/)
})

t.test('userinfo with the store down: 503 JSON for an API client, a page for a browser', async (t) => {
  const redis = await startRedis(t)
  const client = createRedisClient({ url: `redis://127.0.0.1:${redis.port}`, commandTimeoutMs: 500, connectTimeoutMs: 1000 })
  const store = createRedisStore({ client, keyPrefix: 'aap:', sessionMaxAgeMs: 30 * 86_400_000 })
  t.teardown(() => store.close())
  await waitReady(store)
  const stack = await startStack(t, { sharedStore: store })
  const cookie = await signedInCookie(stack)
  t.equal((await get(`${stack.proxyUrl}/oauth2/userinfo`, { ...API, cookie })).status, 200)

  redis.process.kill('SIGSTOP')
  try {
    const api = await get(`${stack.proxyUrl}/oauth2/userinfo`, { ...API, cookie })
    t.equal(api.status, 503)
    isJson(t, api, 'session_store_unavailable', 'store down, API')
    t.ok(Number(api.headers['retry-after']) > 0, 'with Retry-After')
    const page = await get(`${stack.proxyUrl}/oauth2/userinfo`, { ...BROWSER, cookie })
    t.equal(page.status, 503)
    isPage(t, page, 'store down, browser')
    t.ok(Number(page.headers['retry-after']) > 0, 'with Retry-After')
    // start and callback are browser endpoints: a page whoever asks.
    const start = await get(`${stack.proxyUrl}/oauth2/start`, API)
    t.equal(start.status, 503)
    isPage(t, start, 'start, store down')
  } finally {
    redis.process.kill('SIGCONT')
  }
})

t.test('topup follows the same rule: AIHubMix failing is 502 JSON for an API client, a page for a browser', async (t) => {
  const stack = await startStack(t)
  const cookie = await signedInCookie(stack)
  for (const headers of [API, BROWSER]) {
    await fetch(`${stack.simulatorUrl}/__control/faults`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ endpoint: 'topup', mode: 'status', status: 500, times: 1 })
    })
    const res = await get(`${stack.proxyUrl}/oauth2/topup`, { ...headers, cookie })
    t.equal(res.status, 502)
    if (headers === API) isJson(t, res, 'provider_unavailable', 'topup, API')
    else isPage(t, res, 'topup, browser')
  }
  const signedOut = await get(`${stack.proxyUrl}/oauth2/topup`, API)
  t.equal(signedOut.status, 401, 'signed out: 401 JSON')
})

t.test('unknown paths under the prefix follow the rule too', async (t) => {
  const stack = await startStack(t)
  isJson(t, await get(`${stack.proxyUrl}/oauth2/nothing`, API), 'not_found', '404, API')
  isPage(t, await get(`${stack.proxyUrl}/oauth2/nothing`, BROWSER), '404, browser')
})
