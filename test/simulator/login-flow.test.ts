import t from 'tap'
import { DEMO, cookieOf, pkcePair, startSimulator } from './helper.js'

t.test('a full login by HTTP: authorize, login form, code, token, userinfo, refresh, topup', async (t) => {
  const h = await startSimulator(t)
  const pkce = pkcePair()
  const state = 'a b&c=d/é<"x">'
  const authorize = h.authorizePath({ state, code_challenge: pkce.challenge, code_challenge_method: 'S256' })

  const page = await h.call(authorize)
  t.equal(page.status, 200)
  t.match(page.headers['content-type'], /text\/html/)
  t.match(page.text, /<form method="post" action="\/login">/)
  t.match(page.text, /name="username"/)
  t.match(page.text, /name="password"/)
  const cont = /name="continue" value="([^"]*)"/.exec(page.text)?.[1]
  t.ok(cont, 'the form carries the authorize URL to resume')
  const resume = (cont ?? '').replaceAll('&amp;', '&').replaceAll('&quot;', '"').replaceAll('&lt;', '<').replaceAll('&gt;', '>')
  t.equal(resume, authorize)

  const login = await h.postForm('/login', { username: 'alice', password: 'alice-password', continue: resume })
  t.equal(login.status, 302)
  t.equal(login.location, authorize)
  const setCookie = String(login.headers['set-cookie'])
  t.match(setCookie, /HttpOnly/)
  t.match(setCookie, /SameSite=Lax/)
  const cookie = cookieOf(login)

  const back = await h.call(authorize, { headers: { cookie } })
  t.equal(back.status, 302)
  const loc = new URL(back.location ?? '')
  t.equal(`${loc.origin}${loc.pathname}`, DEMO.redirect_uri)
  t.equal(loc.searchParams.get('state'), state, 'state comes back verbatim')
  const code = loc.searchParams.get('code') ?? ''
  t.ok(code.length >= 22, 'the code is a long random string')

  const tok = await h.exchange(code, { code_verifier: pkce.verifier })
  t.equal(tok.status, 200)
  t.equal(tok.headers['cache-control'], 'no-store')
  const body = tok.json()
  t.match(body, { token_type: 'Bearer', expires_in: 7200, scope: 'profile balance' })
  t.type(body.access_token, 'string')
  t.ok(Buffer.from(body.access_token, 'base64url').length >= 16, 'access token carries >= 128 bits')
  t.not(body.access_token, body.refresh_token)

  const info = await h.userinfo(body.access_token)
  t.equal(info.status, 200)
  t.same(info.json(), {
    id: 1001, username: 'alice', email: 'alice@example.com', quota: 10000000, used_quota: 2500000, balance_formatted: '15.00', created_time: 1640995200, status: 1
  })

  const ref = await h.refresh(body.refresh_token)
  t.equal(ref.status, 200)
  const rotated = ref.json()
  t.not(rotated.refresh_token, body.refresh_token, 'the refresh token rotates')
  t.not(rotated.access_token, body.access_token)
  t.equal((await h.userinfo(rotated.access_token)).status, 200)

  const topup = await h.call('/api/oauth2/topup', { headers: { authorization: `Bearer ${rotated.access_token}` } })
  t.equal(topup.status, 200)
  const url = new URL(topup.json().topup_url)
  t.equal(url.origin, h.base)
  const topupPage = await h.call(url.pathname)
  t.equal(topupPage.status, 200)
  t.match(topupPage.text, /top-up/)
})

t.test('a second authorize from the same browser skips the login form', async (t) => {
  const h = await startSimulator(t)
  const cookie = await h.login()
  const first = await h.authorizeCode(cookie)
  const second = await h.authorizeCode(cookie)
  t.ok(first.code)
  t.ok(second.code)
  t.not(first.code, second.code)
})

t.test('the login form refuses a wrong password and a foreign continue URL', async (t) => {
  const h = await startSimulator(t)
  const authorize = h.authorizePath()
  const wrong = await h.postForm('/login', { username: 'alice', password: 'nope', continue: authorize })
  t.equal(wrong.status, 401)
  t.match(wrong.text, /Wrong username or password/)
  t.match(wrong.text, /name="continue"/)
  t.notOk(wrong.headers['set-cookie'])

  const unknown = await h.postForm('/login', { username: 'mallory', password: 'x', continue: authorize })
  t.equal(unknown.status, 401)

  for (const next of ['https://evil.example/', '//evil.example/api/oauth2/authorize', '/api/oauth2/authorizex', '', '/api/oauth2/authorize?state=\r\nX-Evil: 1', '/api/oauth2/authorize?state=é']) {
    const res = await h.postForm('/login', { username: 'alice', password: 'alice-password', continue: next })
    t.equal(res.status, 400, `continue ${JSON.stringify(next)} is refused`)
    t.equal(res.location, undefined)
  }
  t.equal(h.sim.state.calls.login, 8)
})

t.test('the login page escapes what it echoes', async (t) => {
  const h = await startSimulator(t)
  const res = await h.call(h.authorizePath({ state: '"><script>alert(1)</script>' }))
  t.equal(res.status, 200)
  t.notMatch(res.text, /<script>/)
  t.match(res.headers['content-security-policy'], /default-src 'none'/)
  t.equal(res.headers['x-frame-options'], 'DENY')

  const err = await h.postForm('/login', { username: 'x', password: 'y', continue: '/api/oauth2/authorize?state="><img/src=x/onerror=alert(1)>' })
  t.equal(err.status, 401)
  t.notMatch(err.text, /<img/)
  t.match(err.text, /&quot;&gt;&lt;img/)
})

t.test('the consent page: allow issues a code, deny redirects with access_denied', async (t) => {
  const h = await startSimulator(t)
  h.sim.state.putClient({ client_id: 'c2', client_secret: 's2', redirect_uri: 'https://app.example/cb', name: '<b>Evil & Co</b>' })
  const cookie = await h.login()
  const params = { client_id: 'c2', redirect_uri: 'https://app.example/cb', auto_authorize: undefined, state: 'xyz', scope: 'balance' }

  const page = await h.call(h.authorizePath(params), { headers: { cookie } })
  t.equal(page.status, 200)
  t.match(page.text, /action="\/api\/oauth2\/consent"/)
  t.match(page.text, /&lt;b&gt;Evil &amp; Co&lt;\/b&gt;/, 'the client name is escaped')
  t.match(page.text, /value="allow"/)
  t.match(page.text, /value="deny"/)
  t.match(page.text, /account balance/)
  const fields = Object.fromEntries([...page.text.matchAll(/type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1], m[2]]))
  t.same(fields, { client_id: 'c2', redirect_uri: 'https://app.example/cb', response_type: 'code', scope: 'balance', state: 'xyz' })

  const allow = await h.postForm('/api/oauth2/consent', { ...fields, decision: 'allow' }, { cookie })
  t.equal(allow.status, 302)
  const loc = new URL(allow.location ?? '')
  t.equal(loc.searchParams.get('state'), 'xyz')
  const code = loc.searchParams.get('code') ?? ''
  const tok = await h.postForm('/api/oauth2/token', { grant_type: 'authorization_code', code, redirect_uri: 'https://app.example/cb', client_id: 'c2', client_secret: 's2' })
  t.equal(tok.status, 200)
  t.equal(tok.json().scope, 'balance')

  const deny = await h.postForm('/api/oauth2/consent', { ...fields, decision: 'deny' }, { cookie })
  t.equal(deny.status, 302)
  const denied = new URL(deny.location ?? '')
  t.equal(denied.searchParams.get('error'), 'access_denied')
  t.ok(denied.searchParams.get('error_description'))
  t.equal(denied.searchParams.get('state'), 'xyz')
  t.equal(denied.searchParams.get('code'), null)

  const odd = await h.postForm('/api/oauth2/consent', { ...fields, decision: 'maybe' }, { cookie })
  t.equal(new URL(odd.location ?? '').searchParams.get('error'), 'invalid_request')

  const anonymous = await h.postForm('/api/oauth2/consent', { ...fields, decision: 'allow' })
  t.equal(anonymous.status, 401, 'consent needs the login cookie')
  t.match(anonymous.text, /action="\/login"/)

  const tampered = await h.postForm('/api/oauth2/consent', { ...fields, redirect_uri: 'https://evil.example/cb', decision: 'allow' }, { cookie })
  t.equal(tampered.status, 400, 'the consent form is validated like authorize')
  t.equal(tampered.location, undefined)
})
