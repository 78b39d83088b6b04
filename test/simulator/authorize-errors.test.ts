import t from 'tap'
import { DEMO, pkcePair, startSimulator } from './helper.js'

t.test('an unknown or missing client gets a 400 page and no redirect', async (t) => {
  const h = await startSimulator(t)
  for (const client of ['nobody', '', undefined]) {
    const res = await h.call(h.authorizePath({ client_id: client }))
    t.equal(res.status, 400, `client_id ${String(client)}`)
    t.equal(res.location, undefined)
    t.match(res.headers['content-type'], /text\/html/)
  }
})

t.test('redirect_uri must equal the registered one exactly: no prefix, no normalisation', async (t) => {
  const h = await startSimulator(t)
  const lookalikes = [
    undefined,
    'http://localhost:4180/oauth2/callback/',
    'http://localhost:4180/oauth2/callbackx',
    'http://localhost:4180/oauth2/callback?x=1',
    'http://localhost:4180/oauth2/callback#f',
    'http://LOCALHOST:4180/oauth2/callback',
    'http://localhost:4180/oauth2/./callback',
    'http://localhost:4180/oauth2/%63allback',
    'http://localhost:80/oauth2/callback',
    'https://localhost:4180/oauth2/callback',
    'http://localhost:4180.evil.example/oauth2/callback',
    'http://localhost:4180/oauth2',
    'https://evil.example/'
  ]
  for (const uri of lookalikes) {
    const res = await h.call(h.authorizePath({ redirect_uri: uri }))
    t.equal(res.status, 400, `${String(uri)} is refused`)
    t.equal(res.location, undefined, `${String(uri)} is not redirected to`)
  }
  t.equal(h.sim.state.calls.authorize, lookalikes.length)
})

t.test('repeated client_id or redirect_uri is refused without a redirect', async (t) => {
  const h = await startSimulator(t)
  const q = `client_id=demo-client&client_id=demo-client&redirect_uri=${encodeURIComponent(DEMO.redirect_uri)}&response_type=code&state=s`
  t.equal((await h.call(`/api/oauth2/authorize?${q}`)).status, 400)
  const q2 = `client_id=demo-client&redirect_uri=${encodeURIComponent(DEMO.redirect_uri)}&redirect_uri=${encodeURIComponent(DEMO.redirect_uri)}&response_type=code&state=s`
  t.equal((await h.call(`/api/oauth2/authorize?${q2}`)).status, 400)
})

t.test('other bad parameters redirect back with an RFC 6749 error and the state', async (t) => {
  const h = await startSimulator(t)
  const { challenge } = pkcePair()
  const cases: Array<[string, Record<string, string | undefined>, string]> = [
    ['response_type=token', { response_type: 'token' }, 'unsupported_response_type'],
    ['missing response_type', { response_type: undefined }, 'invalid_request'],
    ['unknown scope', { scope: 'profile admin' }, 'invalid_scope'],
    ['plain PKCE', { code_challenge: challenge, code_challenge_method: 'plain' }, 'invalid_request'],
    ['challenge without method', { code_challenge: challenge }, 'invalid_request'],
    ['method without challenge', { code_challenge_method: 'S256' }, 'invalid_request'],
    ['malformed challenge', { code_challenge: 'short', code_challenge_method: 'S256' }, 'invalid_request'],
    ['challenge with bad characters', { code_challenge: challenge.slice(0, 42) + '=', code_challenge_method: 'S256' }, 'invalid_request']
  ]
  for (const [name, params, error] of cases) {
    const res = await h.call(h.authorizePath({ state: 'keep me', ...params }))
    t.equal(res.status, 302, name)
    const loc = new URL(res.location ?? '')
    t.equal(`${loc.origin}${loc.pathname}`, DEMO.redirect_uri, `${name}: back to the registered URI`)
    t.equal(loc.searchParams.get('error'), error, name)
    t.ok(loc.searchParams.get('error_description'), `${name}: has a description`)
    t.equal(loc.searchParams.get('state'), 'keep me', `${name}: state passed back`)
    t.equal(loc.searchParams.get('code'), null)
  }
})

t.test('state is required, and no parameter may repeat', async (t) => {
  const h = await startSimulator(t)
  const missing = await h.call(h.authorizePath({ state: undefined }))
  const loc = new URL(missing.location ?? '')
  t.equal(loc.searchParams.get('error'), 'invalid_request')
  t.equal(loc.searchParams.has('state'), false)

  const repeated = await h.call(h.authorizePath({ state: 's1' }) + '&scope=balance')
  t.equal(new URL(repeated.location ?? '').searchParams.get('error'), 'invalid_request')
})

t.test('scope defaults to "profile balance" and is de-duplicated', async (t) => {
  const h = await startSimulator(t)
  const cookie = await h.login()
  const a = await h.authorizeCode(cookie, { scope: undefined })
  t.equal((await h.exchange(a.code)).json().scope, 'profile balance')
  const b = await h.authorizeCode(cookie, { scope: 'balance  balance' })
  t.equal((await h.exchange(b.code)).json().scope, 'balance')
})

t.test('a registered redirect_uri with its own query keeps it', async (t) => {
  const h = await startSimulator(t, {
    clients: [{ client_id: 'q', client_secret: 'qs', redirect_uri: 'https://app.example/cb?tenant=7' }]
  })
  const cookie = await h.login()
  const { location } = await h.authorizeCode(cookie, { client_id: 'q', redirect_uri: 'https://app.example/cb?tenant=7', state: 's' })
  t.equal(location.searchParams.get('tenant'), '7')
  t.equal(location.searchParams.get('state'), 's')
  t.ok(location.searchParams.get('code'))
})
