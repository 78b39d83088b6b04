import t from 'tap'
import { startSimulator } from './helper.js'

const APP = { name: '我的第三方应用', description: 'demo', redirect_uri: 'https://app.example/oauth/callback' }

t.test('app registration with a developer token, then a login with the new client', async (t) => {
  const h = await startSimulator(t)
  const res = await h.postJson('/api/oauth_apps', APP, { authorization: 'Bearer dev-token' })
  t.equal(res.status, 200)
  const body = res.json()
  t.equal(body.success, true)
  t.type(body.message, 'string')
  t.match(body.data, { id: Number, name: APP.name, redirect_uri: APP.redirect_uri, created_time: Number })
  t.match(body.data.client_id, /^client_[A-Za-z0-9_-]{43}$/)
  t.match(body.data.client_secret, /^secret_[A-Za-z0-9_-]{43}$/)
  t.equal(h.sim.state.calls.apps, 1)

  const { client_id: clientId, client_secret: clientSecret } = body.data
  const cookie = await h.login()
  const { code } = await h.authorizeCode(cookie, { client_id: clientId, redirect_uri: APP.redirect_uri })
  const tok = await h.postForm('/api/oauth2/token', { grant_type: 'authorization_code', code, redirect_uri: APP.redirect_uri, client_id: clientId, client_secret: clientSecret })
  t.equal(tok.status, 200)
  t.equal((await h.userinfo(tok.json().access_token)).status, 200)

  const again = await h.postJson('/api/oauth_apps', APP, { authorization: 'Bearer dev-token' })
  t.not(again.json().data.client_id, clientId, 'each registration gets new credentials')
})

t.test('a bad or missing developer token is 401 {success:false}', async (t) => {
  const h = await startSimulator(t, { developerTokens: ['other-token'] })
  const tries: Array<Record<string, string>> = [{}, { authorization: 'Bearer dev-token' }, { authorization: 'Basic other-token' }]
  for (const headers of tries) {
    const res = await h.postJson('/api/oauth_apps', APP, headers)
    t.equal(res.status, 401)
    t.same(res.json(), { success: false, message: 'invalid developer token' })
  }
  t.equal((await h.postJson('/api/oauth_apps', APP, { authorization: 'Bearer other-token' })).status, 200)
})

t.test('a bad body is 400 {success:false}', async (t) => {
  const h = await startSimulator(t)
  const auth = { authorization: 'Bearer dev-token' }
  const bodies: unknown[] = [
    { ...APP, name: undefined },
    { ...APP, name: '  ' },
    { ...APP, name: 7 },
    { ...APP, redirect_uri: 'ftp://app.example/cb' },
    { ...APP, redirect_uri: 'javascript:alert(1)' },
    { ...APP, redirect_uri: 'not a url' },
    { ...APP, redirect_uri: undefined },
    { ...APP, description: 5 },
    [APP],
    'just a string'
  ]
  for (const body of bodies) {
    const res = await h.postJson('/api/oauth_apps', body, auth)
    t.equal(res.status, 400, JSON.stringify(body))
    t.equal(res.json().success, false)
    t.type(res.json().message, 'string')
  }
  const broken = await h.call('/api/oauth_apps', { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"name": ' })
  t.equal(broken.status, 400)
  t.equal(broken.json().success, false)
  const form = await h.postForm('/api/oauth_apps', { name: 'x', redirect_uri: 'https://a.example/' }, auth)
  t.equal(form.status, 400)
  t.equal(form.json().success, false)
})
