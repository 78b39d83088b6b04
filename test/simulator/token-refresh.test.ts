import t from 'tap'
import { DEMO, startSimulator } from './helper.js'

t.test('refresh reuse after rotation revokes the whole grant', async (t) => {
  const h = await startSimulator(t)
  const first = await h.tokens()
  const second = (await h.refresh(first.refresh_token)).json()
  t.type(second.refresh_token, 'string')
  t.equal(h.sim.state.calls.token_refresh_token, 1)

  const reuse = await h.refresh(first.refresh_token)
  t.equal(reuse.status, 400)
  t.equal(reuse.json().error, 'invalid_grant')
  t.equal(reuse.headers['cache-control'], 'no-store')

  const next = await h.refresh(second.refresh_token)
  t.equal(next.status, 400, 'the new refresh token stops working too')
  t.equal(next.json().error, 'invalid_grant')
  t.equal((await h.userinfo(second.access_token)).status, 401, 'and every access token of the grant')
  t.equal((await h.userinfo(first.access_token)).status, 401)
})

t.test('refresh reuse revokes every grant of that user and client, not other clients', async (t) => {
  const h = await startSimulator(t)
  h.sim.state.putClient({ client_id: 'c2', client_secret: 's2', redirect_uri: 'https://app.example/cb' })
  const a = await h.tokens()
  const b = await h.tokens()
  const cookie = await h.login()
  const { code } = await h.authorizeCode(cookie, { client_id: 'c2', redirect_uri: 'https://app.example/cb' })
  const other = (await h.postForm('/api/oauth2/token', { grant_type: 'authorization_code', code, redirect_uri: 'https://app.example/cb', client_id: 'c2', client_secret: 's2' })).json()

  await h.refresh(a.refresh_token)
  t.equal((await h.refresh(a.refresh_token)).status, 400)
  t.equal((await h.userinfo(b.access_token)).status, 401, 'another session of the same user and client')
  t.equal((await h.userinfo(other.access_token)).status, 200, 'another client keeps its grant')
})

t.test('without rotation a refresh answers no refresh_token and the old one keeps working', async (t) => {
  const h = await startSimulator(t)
  await h.control('POST', '/settings', { rotate_refresh_tokens: false })
  const first = await h.tokens()
  const r1 = await h.refresh(first.refresh_token)
  t.equal(r1.status, 200)
  t.notOk('refresh_token' in r1.json())
  const r2 = await h.refresh(first.refresh_token)
  t.equal(r2.status, 200)
  t.equal((await h.userinfo(r2.json().access_token)).status, 200)
})

t.test('refresh errors: missing, unknown, another client, an access token', async (t) => {
  const h = await startSimulator(t, {
    clients: [
      { client_id: DEMO.client_id, client_secret: DEMO.client_secret, redirect_uri: DEMO.redirect_uri },
      { client_id: 'other', client_secret: 'other-secret', redirect_uri: DEMO.redirect_uri }
    ]
  })
  const tok = await h.tokens()
  t.equal((await h.refresh('')).json().error, 'invalid_request')
  t.equal((await h.refresh('nope')).json().error, 'invalid_grant')
  t.equal((await h.refresh(tok.access_token)).json().error, 'invalid_grant')
  const stolen = await h.refresh(tok.refresh_token, { client_id: 'other', client_secret: 'other-secret' })
  t.equal(stolen.json().error, 'invalid_grant')
  t.equal((await h.refresh(tok.refresh_token)).status, 200)
})

t.test('a refresh may narrow the scope, never widen it', async (t) => {
  const h = await startSimulator(t)
  const tok = await h.tokens('alice', 'alice-password', { scope: 'profile' })
  t.equal((await h.refresh(tok.refresh_token, { scope: 'profile balance' })).json().error, 'invalid_scope')
  const narrow = await h.tokens()
  const r = (await h.refresh(narrow.refresh_token, { scope: 'balance' })).json()
  t.equal(r.scope, 'balance')
  t.notOk('username' in (await h.userinfo(r.access_token)).json())
  const again = (await h.refresh(r.refresh_token)).json()
  t.equal(again.scope, 'profile balance', 'the refresh token keeps the original scope')
})

t.test('access and refresh tokens expire (clock option and settings)', async (t) => {
  let clock = 1_700_000_000_000
  const h = await startSimulator(t, { now: () => clock })
  await h.control('POST', '/settings', { access_token_ttl: 60, refresh_token_ttl: 120 })
  const tok = await h.tokens()
  t.equal((await h.userinfo(tok.access_token)).status, 200)
  clock += 60_000
  const expired = await h.userinfo(tok.access_token)
  t.equal(expired.status, 401)
  t.match(expired.headers['www-authenticate'], /error="invalid_token"/)
  const r = await h.refresh(tok.refresh_token)
  t.equal(r.status, 200)
  t.equal(r.json().expires_in, 60)
  clock += 120_000
  t.equal((await h.refresh(r.json().refresh_token)).json().error, 'invalid_grant', 'an expired refresh token')
})

t.test('revoke via control: userinfo 401 and refresh invalid_grant', async (t) => {
  const h = await startSimulator(t)
  const tok = await h.tokens()
  const zs = await h.tokens('张三', 'zhangsan-password')
  const res = await h.control('POST', '/revoke', { user_id: 1001, client_id: DEMO.client_id })
  t.equal(res.status, 200)
  t.equal(res.json().revoked, 2)
  t.equal((await h.userinfo(tok.access_token)).status, 401)
  t.equal((await h.refresh(tok.refresh_token)).json().error, 'invalid_grant')
  t.equal((await h.userinfo(zs.access_token)).status, 200, 'other users are untouched')

  // a code issued before the revocation is void too
  const cookie = await h.login()
  const { code } = await h.authorizeCode(cookie)
  await h.control('POST', '/revoke', { user_id: 1001 })
  t.equal((await h.exchange(code)).json().error, 'invalid_grant')
})
