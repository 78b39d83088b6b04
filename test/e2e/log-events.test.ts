// Issue 7 / SPEC §10: auth events are separate structured lines, apart from the access line:
// a login and each way it is refused (with the reason), a token refresh and a revoked grant
// (with the error's code), a sign-out and a cross-site one refused, a session refused by the
// access rules. Two proxies share one store and one simulator; the second allows only another
// user.
import t from 'tap'
import { request } from 'undici'
import { Browser, signIn } from '../helpers/browser.js'
import { makeStore, startStack, type Stack } from '../helpers/stack.js'

type Line = Record<string, unknown>

function lines (stack: Stack): Line[] {
  return stack.logs.join('').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Line)
}

function event (stack: Stack, name: string, outcome: string): Line | undefined {
  return lines(stack).find((l) => l.event === name && l.outcome === outcome)
}

function cookieOf (browser: Browser, stack: Stack): string {
  return [...browser.cookies(stack.proxyUrl)].map(([k, v]) => `${k}=${v}`).join('; ')
}

async function control (stack: Stack, path: string, body: unknown): Promise<void> {
  const res = await request(`${stack.simulatorUrl}/__control/${path}`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body)
  })
  if (res.statusCode >= 300) throw new Error(`control ${path}: ${res.statusCode} ${await res.body.text()}`)
  await res.body.dump()
}

async function get (url: string, headers: Record<string, string>): Promise<number> {
  const res = await request(url, { headers })
  await res.body.dump()
  return res.statusCode
}

const ACCESS_TTL_S = 600

t.test('login, refresh, sign-out, refusals: one structured event line each, with its reason', async (t) => {
  const clock = { offset: 0 }
  const now = (): number => Date.now() + clock.offset
  const store = makeStore('memory')
  t.teardown(() => store.close())
  const open = await startStack(t, { sharedStore: store, now })
  // its own OAuth2 client and callback, so a login there comes back there
  const narrow = await startStack(t, { sharedStore: store, now, simulator: open.simulator, config: { allowedUsers: '9999' } })
  await control(open, 'settings', { access_token_ttl: ACCESS_TTL_S })

  const browser = new Browser()
  t.equal((await signIn(browser, open.proxyUrl)).status, 302, 'signed in')
  t.match(event(open, 'login', 'ok'), { level: 30, userId: '1001', msg: 'signed in', reqId: String }, 'login ok')
  const cookie = cookieOf(browser, open)

  // refusals at the callback, each with its reason in `outcome`
  t.equal((await signIn(new Browser(), narrow.proxyUrl)).status, 403, 'a user outside allowedUsers is refused')
  t.match(event(narrow, 'login', 'not_allowed'), { level: 30, userId: '1001', reqId: String })
  t.equal(await get(`${open.proxyUrl}/oauth2/callback?code=c&state=s`, { accept: 'text/html' }), 403)
  t.match(event(open, 'login', 'state_mismatch'), { level: 30, reqId: String })
  t.equal(await get(`${open.proxyUrl}/oauth2/callback?state=s`, { accept: 'text/html' }), 400)
  t.match(event(open, 'login', 'bad_request'), { level: 30, reqId: String })

  // the session is refused on the replica whose rules leave the user out
  t.equal(await get(`${narrow.proxyUrl}/headers`, { cookie, accept: 'application/json' }), 403)
  t.match(lines(narrow).find((l) => l.event === 'access_refused'), { level: 30, reason: 'not_allowed', userId: '1001', reqId: String },
    'access_refused with its reason')

  // a refresh, as its own line next to the access line of the request that needed it
  clock.offset += (ACCESS_TTL_S + 1) * 1000
  t.equal(await get(`${open.proxyUrl}/headers`, { cookie, accept: 'application/json', 'x-request-id': 'refresh-1' }), 200)
  const refreshed = lines(open).filter((l) => l.reqId === 'refresh-1')
  t.match(refreshed.find((l) => l.event === 'token_refresh'), { level: 30, outcome: 'ok' }, 'token_refresh ok')
  t.equal(refreshed.filter((l) => l.msg === 'request completed').length, 1, 'and one access line')

  // sign-out: refused cross-site, then done
  t.equal(await get(`${open.proxyUrl}/oauth2/sign_out`, { cookie, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }), 200,
    'a cross-site GET only gets the confirmation page')
  t.match(event(open, 'sign_out', 'cross_site'), { level: 30, reqId: String })
  const out = await request(`${open.proxyUrl}/oauth2/sign_out`, { method: 'POST', headers: { cookie, origin: open.proxyUrl } })
  await out.body.dump()
  t.equal(out.statusCode, 302)
  t.match(event(open, 'sign_out', 'ok'), { level: 30, msg: 'signed out', userId: '1001', reqId: String }, 'sign_out ok names the user')

  // a revoked grant: the refresh line carries the error's code, readable (not redacted)
  const again = new Browser()
  await signIn(again, open.proxyUrl)
  await control(open, 'revoke', { user_id: 1001, client_id: open.config.clientId })
  clock.offset += (ACCESS_TTL_S + 1) * 1000
  t.equal(await get(`${open.proxyUrl}/headers`, { cookie: cookieOf(again, open), accept: 'application/json' }), 401, 'the session ended')
  t.match(event(open, 'token_refresh', 'grant_invalid'), { level: 30, code: 'AAP_ERR_PROVIDER_GRANT_INVALID', reqId: String })
})
