import t from 'tap'
import { startSimulator } from './helper.js'

t.test('userinfo is filtered by the granted scope', async (t) => {
  const h = await startSimulator(t)
  const profile = await h.tokens('alice', 'alice-password', { scope: 'profile' })
  t.same((await h.userinfo(profile.access_token)).json(), { id: 1001, username: 'alice', email: 'alice@example.com', created_time: 1640995200, status: 1 })
  const balance = await h.tokens('alice', 'alice-password', { scope: 'balance' })
  t.same((await h.userinfo(balance.access_token)).json(), { id: 1001, quota: 10000000, used_quota: 2500000, balance_formatted: '15.00', created_time: 1640995200, status: 1 })
})

t.test('seed users: 张三 and the disabled account', async (t) => {
  const h = await startSimulator(t)
  const zs = await h.tokens('张三', 'zhangsan-password')
  t.match((await h.userinfo(zs.access_token)).json(), { id: 1002, username: '张三', email: 'zhangsan@example.cn', balance_formatted: '2.00', status: 1 })
  const off = await h.tokens('disabled', 'disabled-password')
  t.match((await h.userinfo(off.access_token)).json(), { id: 1003, status: 2 })
})

t.test('balance and status follow control changes', async (t) => {
  const h = await startSimulator(t)
  const tok = await h.tokens()
  const patched = await h.control('PATCH', '/users/1001', { used_quota: 9000000, status: 2 })
  t.equal(patched.status, 200)
  t.match((await h.userinfo(tok.access_token)).json(), { quota: 10000000, used_quota: 9000000, balance_formatted: '2.00', status: 2 })
  await h.control('PATCH', '/users/1001', { used_quota: 11000000 })
  t.equal((await h.userinfo(tok.access_token)).json().balance_formatted, '-2.00')
})

t.test('wrap mode answers userinfo and topup as {success, data}', async (t) => {
  const h = await startSimulator(t)
  const tok = await h.tokens()
  await h.control('POST', '/settings', { wrap: true })
  const info = (await h.userinfo(tok.access_token)).json()
  t.equal(info.success, true)
  t.match(info.data, { id: 1001, username: 'alice', balance_formatted: '15.00' })
  const topup = (await h.call('/api/oauth2/topup', { headers: { authorization: `Bearer ${tok.access_token}` } })).json()
  t.equal(topup.success, true)
  t.match(topup.data.topup_url, /^http:\/\/127\.0\.0\.1:\d+\/topup$/)
})

t.test('a missing, malformed or unknown bearer token is 401 invalid_token', async (t) => {
  const h = await startSimulator(t)
  const tok = await h.tokens()
  const headers: Array<Record<string, string>> = [
    {},
    { authorization: 'Bearer' },
    { authorization: 'Bearer nope' },
    { authorization: `Basic ${tok.access_token}` },
    { authorization: `Bearer ${tok.refresh_token}` },
    { authorization: `Bearer ${tok.access_token} extra` }
  ]
  for (const path of ['/api/oauth2/userinfo', '/api/oauth2/topup']) {
    for (const h2 of headers) {
      const res = await h.call(path, { headers: h2 })
      t.equal(res.status, 401, `${path} ${JSON.stringify(h2)}`)
      t.equal(res.headers['www-authenticate'], 'Bearer error="invalid_token"')
      t.equal(res.json().error, 'invalid_token')
    }
  }
  t.equal((await h.userinfo(tok.access_token)).status, 200)
  t.equal(h.sim.state.calls.userinfo, headers.length + 1)
  t.equal(h.sim.state.calls.topup, headers.length)
})
