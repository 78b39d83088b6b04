import t from 'tap'
import { DEMO, startSimulator } from './helper.js'

t.test('counters count calls per endpoint and reset', async (t) => {
  const h = await startSimulator(t)
  const zero = { authorize: 0, login: 0, token_authorization_code: 0, token_refresh_token: 0, userinfo: 0, topup: 0, apps: 0 }
  t.same((await h.control('GET', '/calls')).json(), zero)
  const tok = await h.tokens()
  await h.refresh(tok.refresh_token)
  await h.userinfo(tok.access_token)
  await h.call('/api/oauth2/topup')
  await h.postJson('/api/oauth_apps', {})
  t.same((await h.control('GET', '/calls')).json(), {
    authorize: 1, login: 1, token_authorization_code: 1, token_refresh_token: 1, userinfo: 1, topup: 1, apps: 1
  })
  t.same((await h.control('POST', '/calls/reset')).json(), zero)
  t.same((await h.control('GET', '/calls')).json(), zero)
})

t.test('reset returns to the seed: users, clients, settings, tokens, faults, counters', async (t) => {
  const h = await startSimulator(t)
  const tok = await h.tokens()
  await h.control('PATCH', '/users/1001', { quota: 1 })
  await h.control('POST', '/settings', { wrap: true, access_token_ttl: 5 })
  await h.control('POST', '/faults', { endpoint: 'topup', mode: 'status' })
  await h.control('POST', '/clients', { client_id: 'x', client_secret: 'y', redirect_uri: 'https://x.example/cb' })
  t.equal((await h.control('POST', '/reset')).status, 200)
  t.equal((await h.userinfo(tok.access_token)).status, 401, 'tokens are gone')
  t.same((await h.control('GET', '/faults')).json(), { faults: [] })
  t.match((await h.control('GET', '/settings')).json(), { wrap: false, access_token_ttl: 7200, refresh_token_ttl: 2592000, code_ttl: 600, rotate_refresh_tokens: true })
  t.equal((await h.call(h.authorizePath({ client_id: 'x', redirect_uri: 'https://x.example/cb' }))).status, 400, 'the added client is gone')
  t.equal((await h.control('GET', '/calls')).json().authorize, 1)
  const fresh = await h.tokens()
  t.equal((await h.userinfo(fresh.access_token)).json().quota, 10000000)
})

t.test('users: create one who can sign in; patch; unknown is 404; bad bodies 400', async (t) => {
  const h = await startSimulator(t)
  const created = await h.control('POST', '/users', { id: 2001, username: 'bob', password: 'pw', email: 'bob@example.com', quota: 500000, used_quota: 0, status: 1 })
  t.equal(created.status, 200)
  const tok = await h.tokens('bob', 'pw')
  t.match((await h.userinfo(tok.access_token)).json(), { id: 2001, username: 'bob', balance_formatted: '1.00' })
  t.equal((await h.control('PATCH', '/users/9999', { quota: 1 })).status, 404)
  t.equal((await h.control('POST', '/users', { id: 2002, username: 'x' })).status, 400)
  t.equal((await h.control('PATCH', '/users/1001', { quota: 'lots' })).status, 400)
})

t.test('clients registered directly can be used; a bad redirect_uri is refused', async (t) => {
  const h = await startSimulator(t)
  const res = await h.control('POST', '/clients', { client_id: 'direct', client_secret: 'direct-secret', redirect_uri: 'http://127.0.0.1:9/cb', name: 'Direct' })
  t.equal(res.status, 200)
  const cookie = await h.login()
  const { code } = await h.authorizeCode(cookie, { client_id: 'direct', redirect_uri: 'http://127.0.0.1:9/cb' })
  const tok = await h.postForm('/api/oauth2/token', { grant_type: 'authorization_code', code, redirect_uri: 'http://127.0.0.1:9/cb', client_id: 'direct', client_secret: 'direct-secret' })
  t.equal(tok.status, 200)
  t.equal((await h.control('POST', '/clients', { client_id: 'b', client_secret: 's', redirect_uri: 'ftp://x' })).status, 400)
  t.equal((await h.control('POST', '/clients', { client_id: 'b', client_secret: 's', redirect_uri: 'http://[bad' })).status, 400)
})

t.test('settings: read and change; bad values refused', async (t) => {
  const h = await startSimulator(t, { settings: { access_token_ttl: 100 } })
  t.equal((await h.control('GET', '/settings')).json().access_token_ttl, 100)
  const res = await h.control('POST', '/settings', { refresh_token_ttl: 50 })
  t.match(res.json(), { access_token_ttl: 100, refresh_token_ttl: 50 })
  t.equal((await h.control('POST', '/settings', { code_ttl: -1 })).status, 400)
  const tok = await h.tokens()
  t.equal((await h.refresh(tok.refresh_token)).json().expires_in, 100)
})

t.test('codes/last: 404 before any code, then the last code with its state', async (t) => {
  const h = await startSimulator(t)
  t.equal((await h.control('GET', '/codes/last')).status, 404)
  const cookie = await h.login()
  const { code, state } = await h.authorizeCode(cookie, { state: 'replay-me' })
  const last = (await h.control('GET', '/codes/last')).json()
  t.same(last, { code, state: 'replay-me', client_id: DEMO.client_id, redirect_uri: DEMO.redirect_uri, user_id: 1001 })
  t.equal(state, 'replay-me')
})

t.test('the simulator state is per instance', async (t) => {
  const a = await startSimulator(t)
  const b = await startSimulator(t)
  await a.control('PATCH', '/users/1001', { quota: 1 })
  t.equal(a.sim.state.users.get(1001)?.quota, 1)
  t.equal(b.sim.state.users.get(1001)?.quota, 10000000)
})
