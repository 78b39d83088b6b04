import { EventEmitter, once } from 'node:events'
import t from 'tap'
import { request } from 'undici'
import { DEMO, startSimulator, type SimHarness } from './helper.js'

async function fault (h: SimHarness, body: Record<string, unknown>): Promise<void> {
  const res = await h.control('POST', '/faults', body)
  if (res.status !== 200) throw new Error(res.text)
}

function tokenForm (code = 'x'): Record<string, string> {
  return { grant_type: 'authorization_code', code, redirect_uri: DEMO.redirect_uri, client_id: DEMO.client_id, client_secret: DEMO.client_secret }
}

t.test('latency delays, then answers normally', async (t) => {
  const h = await startSimulator(t)
  const tok = await h.tokens()
  await fault(h, { endpoint: 'userinfo', mode: 'latency', latency_ms: 20, times: 1 })
  const res = await h.userinfo(tok.access_token)
  t.equal(res.status, 200)
  t.equal(res.json().username, 'alice')
})

t.test('status answers the given status with an RFC 6749-ish body; default 500', async (t) => {
  const h = await startSimulator(t)
  await fault(h, { endpoint: 'token', mode: 'status', status: 503, times: 1 })
  const res = await h.postForm('/api/oauth2/token', tokenForm())
  t.equal(res.status, 503)
  t.equal(res.json().error, 'server_error')
  t.equal(h.sim.state.calls.token_authorization_code, 1, 'a faulted call is counted')
  await fault(h, { endpoint: 'userinfo', mode: 'status' })
  t.equal((await h.userinfo('x')).status, 500)
  await fault(h, { endpoint: 'token', mode: 'status', status: 400, error: 'invalid_grant', times: 1 })
  const chosen = await h.postForm('/api/oauth2/token', tokenForm())
  t.equal(chosen.status, 400)
  t.equal(chosen.json().error, 'invalid_grant')
  await fault(h, { endpoint: 'authorize', mode: 'status', status: 502 })
  t.equal((await h.call(h.authorizePath())).status, 502)
})

t.test('times bounds a fault; DELETE clears them all', async (t) => {
  const h = await startSimulator(t)
  await fault(h, { endpoint: 'topup', mode: 'status', status: 502, times: 2 })
  await fault(h, { endpoint: 'apps', mode: 'status', status: 502 })
  t.equal((await h.call('/api/oauth2/topup')).status, 502)
  t.equal((await h.call('/api/oauth2/topup')).status, 502)
  t.equal((await h.call('/api/oauth2/topup')).status, 401, 'back to normal after two')
  t.equal((await h.postJson('/api/oauth_apps', {})).status, 502)
  t.same((await h.control('GET', '/faults')).json().faults, [{ endpoint: 'apps', mode: 'status', status: 502 }])
  t.same((await h.control('DELETE', '/faults')).json(), { faults: [] })
  t.equal((await h.postJson('/api/oauth_apps', {})).status, 401)
})

t.test('reset destroys the socket', async (t) => {
  const h = await startSimulator(t)
  await fault(h, { endpoint: 'userinfo', mode: 'reset', times: 1 })
  await t.rejects(h.userinfo('x'))
  t.equal((await h.userinfo('x')).status, 401)
})

t.test('malformed answers invalid JSON with a JSON content type', async (t) => {
  const h = await startSimulator(t)
  await fault(h, { endpoint: 'token', mode: 'malformed' })
  const res = await h.postForm('/api/oauth2/token', tokenForm())
  t.equal(res.status, 200)
  t.match(res.headers['content-type'], /application\/json/)
  t.throws(() => res.json())
})

t.test('oversized answers a valid JSON body of several megabytes', async (t) => {
  const h = await startSimulator(t)
  for (const endpoint of ['token', 'userinfo', 'topup', 'apps']) {
    await fault(h, { endpoint, mode: 'oversized', times: 1 })
  }
  const res = await h.userinfo('x')
  t.equal(res.status, 200)
  t.ok(Buffer.byteLength(res.text) > 5 * 1024 * 1024)
  t.type(res.json().username, 'string')
  t.ok((await h.postForm('/api/oauth2/token', tokenForm())).text.length > 5 * 1024 * 1024)
  t.ok((await h.call('/api/oauth2/topup')).text.length > 5 * 1024 * 1024)
  t.ok((await h.postJson('/api/oauth_apps', {})).text.length > 5 * 1024 * 1024)
})

t.test('html answers a 200 HTML page', async (t) => {
  const h = await startSimulator(t)
  await fault(h, { endpoint: 'topup', mode: 'html' })
  const res = await h.call('/api/oauth2/topup')
  t.equal(res.status, 200)
  t.match(res.headers['content-type'], /text\/html/)
  t.throws(() => res.json())
})

t.test('wrong-types answers fields of the wrong JSON type', async (t) => {
  const h = await startSimulator(t)
  for (const endpoint of ['token', 'userinfo', 'topup', 'apps']) {
    await fault(h, { endpoint, mode: 'wrong-types' })
  }
  const token = (await h.postForm('/api/oauth2/token', tokenForm())).json()
  t.type(token.access_token, 'number')
  t.type(token.expires_in, 'string')
  const info = (await h.userinfo('x')).json()
  t.type(info.id, 'string')
  t.type(info.status, 'string')
  t.type((await h.call('/api/oauth2/topup')).json().topup_url, 'number')
  t.type((await h.postJson('/api/oauth_apps', {})).json().success, 'string')
})

t.test('wrong-state redirects with a state that does not match', async (t) => {
  const h = await startSimulator(t)
  const cookie = await h.login()
  await fault(h, { endpoint: 'authorize', mode: 'wrong-state', times: 1 })
  const bad = await h.authorizeCode(cookie, { state: 'mine' })
  t.ok(bad.code)
  t.not(bad.state, 'mine')
  t.ok(bad.state.length > 0)
  const good = await h.authorizeCode(cookie, { state: 'mine' })
  t.equal(good.state, 'mine', 'times: 1 applies once')
})

t.test('wrong-state waits for a redirect: a login page does not use it up', async (t) => {
  const h = await startSimulator(t)
  await fault(h, { endpoint: 'authorize', mode: 'wrong-state', times: 1 })
  t.equal((await h.call(h.authorizePath())).status, 200)
  const denied = await h.call(h.authorizePath({ response_type: 'token', state: 'mine' }))
  t.not(new URL(denied.location ?? '').searchParams.get('state'), 'mine', 'error redirects get it too')
})

t.test('fault bodies are validated; modes that do not fit an endpoint are refused', async (t) => {
  const h = await startSimulator(t)
  const bad = [
    { endpoint: 'token', mode: 'wrong-state' },
    { endpoint: 'authorize', mode: 'wrong-types' },
    { endpoint: 'authorize', mode: 'malformed' },
    { endpoint: 'login', mode: 'status' },
    { endpoint: 'token', mode: 'explode' },
    { endpoint: 'token', mode: 'status', status: 99 },
    { endpoint: 'token', mode: 'status', times: 0 },
    { mode: 'status' }
  ]
  for (const body of bad) t.equal((await h.control('POST', '/faults', body)).status, 400, JSON.stringify(body))
  t.same((await h.control('GET', '/faults')).json(), { faults: [] })
})

t.test('hang sends headers and never finishes; a client timeout ends it and close still works', async (t) => {
  const h = await startSimulator(t)
  await fault(h, { endpoint: 'token', mode: 'hang' })
  const res = await request(`${h.base}/api/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(tokenForm()).toString(),
    dispatcher: h.agent,
    bodyTimeout: 200
  })
  t.equal(res.statusCode, 200)
  await t.rejects(res.body.text(), { code: 'UND_ERR_BODY_TIMEOUT' })
  await t.resolves(h.sim.close())
})

t.test('no-headers never answers; a client timeout ends it and close still works', async (t) => {
  const h = await startSimulator(t)
  await fault(h, { endpoint: 'userinfo', mode: 'no-headers' })
  await t.rejects(h.call('/api/oauth2/userinfo', { headersTimeout: 200 }), { code: 'UND_ERR_HEADERS_TIMEOUT' })
  await t.resolves(h.sim.close())
})

// Closing while a faulted call is still open must not wait for it.
for (const [mode, endpoint, extra] of [
  ['hang', 'userinfo', {}],
  ['no-headers', 'topup', {}],
  ['latency', 'userinfo', { latency_ms: 600000 }],
  ['hang', 'authorize', {}]
] as const) {
  t.test(`close finishes while a ${mode} call on ${endpoint} is open`, async (t) => {
    const arrived = new EventEmitter()
    const h = await startSimulator(t, {}, (sim) => {
      sim.addHook('preHandler', async () => { arrived.emit('request') })
    })
    await fault(h, { endpoint, mode, ...extra })
    const path = endpoint === 'authorize' ? h.authorizePath() : `/api/oauth2/${endpoint}`
    const pending = h.call(path)
    pending.catch(() => {})
    await once(arrived, 'request')
    await t.resolves(h.sim.close())
    await t.rejects(pending, 'the client sees the connection end')
  })
}
