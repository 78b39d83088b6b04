// SPEC §3 minBalance over real sockets: below it a proxied request gets 402 (a page linking to
// <authPrefix>/topup for a browser, exact JSON for an API client) and never reaches the
// upstream, /oauth2/auth answers 403, and the proxy's own userinfo and topup stay usable. Once
// the balance rises at AIHubMix (the simulator) and userinfo?refresh=1 fetches it, the same
// session passes.
import t from 'tap'
import { request } from 'undici'
import { Browser, signIn } from '../helpers/browser.js'
import { startRecordingUpstream } from '../helpers/recording-upstream.js'
import { startStack } from '../helpers/stack.js'

const HTML = 'text/html,application/xhtml+xml'
const API = 'application/json'

interface Answer { status: number, headers: Record<string, string | string[] | undefined>, body: string }

async function get (url: string, headers: Record<string, string>): Promise<Answer> {
  const res = await request(url, { headers })
  return { status: res.statusCode, headers: res.headers, body: await res.body.text() }
}

t.test('below minBalance: 402 page or JSON, 403 from forward-auth, top-up and refresh still work', async (t) => {
  const upstream = await startRecordingUpstream(t)
  // alice's balance_formatted is 15.00
  const stack = await startStack(t, { config: { upstream: upstream.url, minBalance: '20' } })
  const browser = new Browser()
  const login = await signIn(browser, stack.proxyUrl)
  t.equal(login.status, 302, 'the login itself succeeds: the session is kept below the limit')
  const cookie = [...browser.cookies(stack.proxyUrl)].map(([k, v]) => `${k}=${v}`).join('; ')

  const page = await get(`${stack.proxyUrl}/dashboard`, { cookie, accept: HTML })
  t.equal(page.status, 402, 'a browser: 402')
  t.match(String(page.headers['content-type']), /^text\/html/)
  t.match(page.body, /<a[^>]* href="\/oauth2\/topup"/, 'a page linking to /oauth2/topup')
  t.match(page.body, '15.00', 'showing the balance')

  const api = await get(`${stack.proxyUrl}/api/items?x=1`, { cookie, accept: API })
  t.equal(api.status, 402, 'an API client: 402')
  t.match(String(api.headers['content-type']), /^application\/json/)
  t.same(JSON.parse(api.body), { error: 'insufficient_balance', balance: '15.00', topup_url: '/oauth2/topup' }, 'exactly the SPEC body')
  t.same(upstream.seen, [], 'the upstream never saw either request')

  const auth = await get(`${stack.proxyUrl}/oauth2/auth`, { cookie })
  t.equal(auth.status, 403, '/oauth2/auth: 403 (auth_request knows no 402)')
  t.same(JSON.parse(auth.body), { error: 'insufficient_balance' })
  t.equal(auth.headers['x-user-id'], undefined)

  const topup = await get(`${stack.proxyUrl}/oauth2/topup`, { cookie, accept: HTML })
  t.equal(topup.status, 302, 'top-up still works below the limit')
  t.equal(new URL(String(topup.headers.location)).origin, stack.simulatorUrl, 'to AIHubMix')

  const stale = await get(`${stack.proxyUrl}/oauth2/userinfo?refresh=1`, { cookie, accept: API })
  t.equal(stale.status, 200, 'userinfo?refresh=1 still works below the limit')
  t.equal((JSON.parse(stale.body) as { balance_formatted: string }).balance_formatted, '15.00')

  // alice tops up: quota 10,000,000 -> 60,000,000 (used 2,500,000): balance 115.00
  const patched = await request(`${stack.simulatorUrl}/__control/users/1001`, {
    method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ quota: 60_000_000 })
  })
  t.equal(patched.statusCode, 200)
  await patched.body.dump()
  const fresh = await get(`${stack.proxyUrl}/oauth2/userinfo?refresh=1`, { cookie, accept: API })
  t.equal((JSON.parse(fresh.body) as { balance_formatted: string }).balance_formatted, '115.00', 'refresh=1 fetched the new balance')

  const passes = await get(`${stack.proxyUrl}/dashboard`, { cookie, accept: HTML })
  t.equal(passes.status, 200, 'the next proxied request passes')
  t.equal(upstream.seen.length, 1)
  t.equal(upstream.seen[0]?.headers['x-user-balance'], '115.00', 'carrying the new balance')
  t.equal((await get(`${stack.proxyUrl}/oauth2/auth`, { cookie })).status, 200, 'forward-auth lets it in too')
})
