import t from 'tap'
import { request } from 'undici'
import { Browser, followProvider, signIn } from '../helpers/browser.js'
import { makeStore, startStack, type StoreKind } from '../helpers/stack.js'
import { userIndexKey } from '../../src/session/keys.js'
import { rawClient, uniquePrefix } from '../session/redis-helpers.js'

for (const store of ['memory', 'redis'] as StoreKind[]) {
  t.test(`full one-click login through the proxy (${store} store)`, async (t) => {
    const stack = await startStack(t, { store })
    const browser = new Browser()

    const first = await browser.fetch(`${stack.proxyUrl}/private?x=1`)
    t.equal(first.status, 302, 'a signed-out browser is sent to sign in')
    t.equal(first.headers.location, '/oauth2/sign_in?rd=%2Fprivate%3Fx%3D1', 'relative, with the original path and query')

    const start = await browser.fetch(`${stack.proxyUrl}/oauth2/start?rd=%2Fprivate%3Fx%3D1`)
    t.equal(start.status, 302)
    const authorize = new URL(start.location ?? '')
    t.equal(authorize.origin, stack.simulatorUrl)
    t.equal(authorize.pathname, '/api/oauth2/authorize')
    for (const [k, v] of Object.entries({
      client_id: stack.config.clientId,
      redirect_uri: `${stack.proxyUrl}/oauth2/callback`,
      response_type: 'code',
      scope: 'profile balance',
      auto_authorize: 'true',
      code_challenge_method: 'S256'
    })) t.equal(authorize.searchParams.get(k), v, `authorize carries ${k}`)
    t.ok((authorize.searchParams.get('state') ?? '').length >= 22, 'state has >= 128 bits')
    t.ok(authorize.searchParams.get('code_challenge'), 'PKCE challenge sent')

    const callback = await signIn(browser, stack.proxyUrl, undefined, '/private?x=1')
    t.equal(callback.status, 302, 'callback redirects')
    t.equal(callback.headers.location, '/private?x=1', 'to the validated rd, relative')
    const setCookie = [callback.headers['set-cookie']].flat().join('\n')
    t.match(setCookie, /_aihubmix_auth=[^;]+;.*HttpOnly/i, 'session cookie is HttpOnly')
    t.match(setCookie, /_aihubmix_auth=[^;]+;.*SameSite=Lax/i, 'session cookie is SameSite=Lax')

    const res = await request(`${stack.proxyUrl}/headers`, {
      headers: {
        cookie: [...browser.cookies(stack.proxyUrl)].map(([k, v]) => `${k}=${v}`).join('; ') + '; theirs=1',
        'x-user-id': 'spoofed',
        X_User_Balance: '999999',
        'x-auth-request-user': 'spoofed',
        'x-access-token': 'spoofed'
      }
    })
    t.equal(res.statusCode, 200)
    const seen = await res.body.json() as Record<string, string>
    t.equal(seen['x-user-id'], '1001')
    t.equal(seen['x-user-name'], 'alice')
    t.equal(seen['x-user-email'], 'alice@example.com')
    t.equal(seen['x-user-balance'], '15.00')
    t.equal(seen['x-user-quota'], '10000000')
    t.equal(seen['x-user-used-quota'], '2500000')
    t.notOk('x_user_balance' in seen, 'underscore spelling stripped')
    t.notOk('x-auth-request-user' in seen, 'x-auth-request-* stripped')
    t.notOk('x-access-token' in seen, 'x-access-token stripped')
    t.equal(seen.cookie, 'theirs=1', 'the proxy cookie never reaches the upstream')

    const logs = stack.logs.join('')
    t.notMatch(logs, /test-secret/, 'client_secret never logged')
    const session = browser.cookies(stack.proxyUrl).get('_aihubmix_auth') ?? 'missing'
    t.notOk(logs.includes(session), 'cookie value never logged')
  })
}

t.test('signed-out API request gets 401 JSON with login_url', async (t) => {
  const stack = await startStack(t)
  const res = await request(`${stack.proxyUrl}/api/data?q=1`, { headers: { accept: 'application/json' } })
  t.equal(res.statusCode, 401)
  t.same(await res.body.json(), { error: 'unauthorized', login_url: '/oauth2/start?rd=%2Fapi%2Fdata%3Fq%3D1' })
})

t.test('sign_out on one instance ends the session on every instance sharing the store', async (t) => {
  const prefix = uniquePrefix()
  const raw = rawClient(t, prefix)
  const store = makeStore('redis', prefix)
  t.teardown(() => store.close())
  const first = await startStack(t, { sharedStore: store })
  const second = await startStack(t, { sharedStore: store, replicaOf: first })
  const browser = new Browser()
  const callback = await signIn(browser, first.proxyUrl)
  t.equal(callback.status, 302)
  const cookie = [...browser.cookies(first.proxyUrl)].map(([k, v]) => `${k}=${v}`).join('; ')
  for (const stack of [first, second]) {
    const ok = await request(`${stack.proxyUrl}/headers`, { headers: { cookie } })
    t.equal(ok.statusCode, 200, 'signed in on both instances')
    await ok.body.dump()
  }

  const out = await request(`${first.proxyUrl}/oauth2/sign_out`, { method: 'POST', headers: { cookie, origin: first.proxyUrl } })
  t.equal(out.statusCode, 302)
  await out.body.dump()
  const line = first.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.event === 'sign_out')
  t.match(line, { outcome: 'ok', userId: '1001' }, 'the sign_out line names the user')
  const after = await request(`${second.proxyUrl}/headers`, { headers: { cookie, accept: 'application/json' } })
  t.equal(after.statusCode, 401, 'the other instance no longer accepts the old cookie')
  await after.body.dump()
  t.equal(await raw.zcard(prefix + userIndexKey('1001')), 0, 'the user index keeps no dead member')
})

t.test('a cross-site POST does not sign out', async (t) => {
  const stack = await startStack(t)
  const browser = new Browser()
  await signIn(browser, stack.proxyUrl)
  const cookie = [...browser.cookies(stack.proxyUrl)].map(([k, v]) => `${k}=${v}`).join('; ')
  const out = await request(`${stack.proxyUrl}/oauth2/sign_out`, { method: 'POST', headers: { cookie, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' } })
  t.equal(out.statusCode, 403)
  await out.body.dump()
  const still = await request(`${stack.proxyUrl}/headers`, { headers: { cookie } })
  t.equal(still.statusCode, 200, 'still signed in')
  await still.body.dump()
})

t.test('a replayed state is refused with 403 and creates no session', async (t) => {
  const stack = await startStack(t)
  const browser = new Browser()
  const start = await browser.fetch(`${stack.proxyUrl}/oauth2/start`)
  const authorizeUrl = start.location ?? ''
  const stateCookies = new Map(browser.cookies(stack.proxyUrl))
  const first = await followProvider(browser, authorizeUrl, { username: 'alice', password: 'alice-password' })
  t.equal(first.status, 302, 'the first use of the state signs in')

  // A fresh, valid code for the same state, with the original state cookie restored.
  const attacker = new Browser()
  for (const [k, v] of stateCookies) attacker.cookies(stack.proxyUrl).set(k, v)
  const replay = await followProvider(attacker, authorizeUrl, { username: 'alice', password: 'alice-password' })
  t.equal(replay.status, 403, 'a replayed state gets 403')
  t.notOk(attacker.cookies(stack.proxyUrl).has('_aihubmix_auth'), 'no session cookie')

  const mismatched = await attacker.fetch(`${stack.proxyUrl}/oauth2/callback?code=x&state=not-the-state`)
  t.equal(mismatched.status, 403, 'a state without its cookie gets 403')
})

t.test('missing or duplicated callback parameters get 400', async (t) => {
  const stack = await startStack(t)
  for (const query of ['', '?code=a', '?state=b', '?code=a&code=b&state=c']) {
    const res = await request(`${stack.proxyUrl}/oauth2/callback${query}`, { headers: { accept: 'text/html' } })
    t.equal(res.statusCode, 400, `callback${query}`)
    await res.body.dump()
  }
})

t.test('garbage session cookies are treated as signed out, never a 500', async (t) => {
  const stack = await startStack(t)
  for (const value of ['garbage', 'a;b', 'AAAA;BBBB', '%00', 'x'.repeat(3000)]) {
    const res = await request(`${stack.proxyUrl}/private`, { headers: { cookie: `_aihubmix_auth=${value}`, accept: 'application/json' } })
    t.equal(res.statusCode, 401, `cookie ${value.slice(0, 10)}`)
    await res.body.dump()
  }
})
