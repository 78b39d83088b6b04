// SPEC §5 websockets: an upgrade goes through the same session gate as any request, must come
// from the proxy's own origin (no cross-site websocket hijacking), and reaches the upstream
// with the proxy's identity headers, never the client's spoofed ones or the proxy's cookie.
import t from 'tap'
import { request } from 'undici'
import WebSocket from 'ws'
import { Browser, signIn } from '../helpers/browser.js'
import { startStack, type Stack } from '../helpers/stack.js'
import { startWsUpstream, type WsUpstream } from '../helpers/ws-upstream.js'
import type { Test } from 'tap'

type Outcome = { opened: WebSocket } | { refused: number }

// Opens a websocket to the proxy; a refused upgrade resolves with the HTTP status it got.
function connect (t: Test, url: string, headers: Record<string, string>, protocols: string[] = []): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, protocols, { headers })
    socket.once('open', () => {
      t.teardown(() => { socket.terminate() })
      resolve({ opened: socket })
    })
    socket.once('unexpected-response', (_req, res) => {
      res.resume()
      socket.terminate()
      resolve({ refused: res.statusCode ?? 0 })
    })
    socket.once('error', reject)
  })
}

function echo (socket: WebSocket, message: string): Promise<string> {
  return new Promise((resolve, reject) => {
    socket.once('message', (data) => resolve(String(data)))
    socket.once('error', reject)
    socket.send(message)
  })
}

// The proxy accepts the client's upgrade before it dials the upstream: an echo proves the
// upstream's side is up (and its upgrade recorded).
async function open (t: Test, url: string, headers: Record<string, string>, protocols: string[] = []): Promise<WebSocket> {
  const outcome = await connect(t, url, headers, protocols)
  if (!('opened' in outcome)) throw new Error(`upgrade refused with ${outcome.refused}`)
  t.equal(await echo(outcome.opened, 'hello'), 'hello', 'echoed through the upstream')
  return outcome.opened
}

async function signedInStack (
  t: Test, config: Record<string, unknown> = {}, upstreamPath = ''
): Promise<{ stack: Stack, upstream: WsUpstream, sessionCookie: string, wsUrl: string }> {
  const upstream = await startWsUpstream(t)
  const stack = await startStack(t, { config: { upstream: upstream.url + upstreamPath, ...config } })
  const browser = new Browser()
  await signIn(browser, stack.proxyUrl)
  const sessionCookie = [...browser.cookies(stack.proxyUrl)].map(([k, v]) => `${k}=${v}`).join('; ')
  return { stack, upstream, sessionCookie, wsUrl: `${stack.proxyUrl.replace(/^http/, 'ws')}/socket?room=1` }
}

t.test('a signed-in same-origin upgrade is proxied: echo works, identity added, proxy cookie dropped', async (t) => {
  const { stack, upstream, sessionCookie, wsUrl } = await signedInStack(t)
  t.match(sessionCookie, '_aihubmix_auth=', 'signed in')
  const outcome = await connect(t, wsUrl, { cookie: `${sessionCookie}; theme=dark`, origin: stack.proxyUrl })
  if (!('opened' in outcome)) throw new Error(`upgrade refused with ${outcome.refused}`)
  t.equal(await echo(outcome.opened, 'ping through the proxy'), 'ping through the proxy', 'echoed both ways')
  t.equal(await echo(outcome.opened, 'second'), 'second', 'the socket stays open')

  t.equal(upstream.upgrades.length, 1, 'one upgrade reached the upstream')
  const seen = upstream.upgrades[0]
  t.equal(seen?.url, '/socket?room=1', 'path and query forwarded')
  t.equal(seen?.headers['x-user-id'], '1001', 'X-User-Id of the signed-in user')
  t.equal(seen?.headers['x-user-name'], 'alice', 'X-User-Name')
  t.equal(seen?.headers['x-forwarded-for'], '127.0.0.1', 'X-Forwarded-For, as on HTTP requests')
  t.match(seen?.headers['x-request-id'], /^[0-9a-f-]{36}$/, 'and a request id')
  t.notMatch(String(seen?.headers.cookie ?? ''), '_aihubmix_auth', 'the proxy\'s session cookie never reaches the upstream')
  t.equal(seen?.headers.cookie, 'theme=dark', 'the app\'s own cookies do')
})

t.test('a signed-out upgrade is refused with 401 and never reaches the upstream', async (t) => {
  const { stack, upstream, wsUrl } = await signedInStack(t)
  const outcome = await connect(t, wsUrl, { origin: stack.proxyUrl, 'x-user-id': '1001' })
  t.same(outcome, { refused: 401 })
  const garbage = await connect(t, wsUrl, { origin: stack.proxyUrl, cookie: '_aihubmix_auth=forged' })
  t.same(garbage, { refused: 401 }, 'a forged cookie is signed out too')
  t.equal(upstream.upgrades.length, 0, 'no upgrade reached the upstream')
  t.equal(upstream.requests.length, 0, 'nor any plain request')
})

t.test('a signed-in upgrade from a foreign Origin is refused with 403 (cross-site websocket hijacking)', async (t) => {
  const { upstream, sessionCookie, wsUrl } = await signedInStack(t)
  for (const origin of ['https://evil.example', 'null']) {
    const outcome = await connect(t, wsUrl, { cookie: sessionCookie, origin })
    t.same(outcome, { refused: 403 }, `Origin ${origin}`)
  }
  // ws sends no Origin unless asked: a client without one cannot show it is same-site.
  t.same(await connect(t, wsUrl, { cookie: sessionCookie }), { refused: 403 }, 'no Origin at all')
  t.equal(upstream.upgrades.length, 0, 'no upgrade reached the upstream')
})

t.test('spoofed identity headers on the upgrade never reach the upstream', async (t) => {
  const { stack, upstream, sessionCookie, wsUrl } = await signedInStack(t)
  const outcome = await connect(t, wsUrl, {
    cookie: sessionCookie,
    origin: stack.proxyUrl,
    'x-user-id': '1',
    'x-user-balance': '999999',
    X_User_Email: 'root@evil.example',
    'x-access-token': 'stolen',
    'x-auth-request-user': 'root'
  })
  if (!('opened' in outcome)) throw new Error(`upgrade refused with ${outcome.refused}`)
  t.equal(await echo(outcome.opened, 'x'), 'x')
  const headers = upstream.upgrades[0]?.headers ?? {}
  t.equal(headers['x-user-id'], '1001', 'X-User-Id is the proxy\'s')
  t.not(headers['x-user-balance'], '999999', 'X-User-Balance is not the client\'s')
  t.notOk('x_user_email' in headers, 'underscore spelling dropped')
  t.not(headers['x-user-email'], 'root@evil.example', 'X-User-Email is not the client\'s')
  t.notOk('x-access-token' in headers, 'X-Access-Token dropped')
  t.notOk('x-auth-request-user' in headers, 'X-Auth-Request-User dropped')
})

t.test('the upgrade carries the app\'s own headers and a trusted hop\'s X-Forwarded-For, appended to', async (t) => {
  const { stack, upstream, sessionCookie, wsUrl } = await signedInStack(t, { trustProxy: '127.0.0.1' })
  const socket = await open(t, wsUrl, {
    cookie: sessionCookie,
    origin: stack.proxyUrl,
    'user-agent': 'chat-client/2.1',
    'accept-language': 'zh-CN,zh;q=0.9',
    // not a proxy bearer (allowBearer is off): the app's own credential
    authorization: 'Bearer the-apps-own-token',
    'x-app-version': '7',
    'x-forwarded-for': '203.0.113.7',
    'x-user-id': '1'
  }, ['chat.v2', 'chat.v1'])
  t.equal(socket.protocol, 'chat.v2', 'the subprotocol is negotiated end to end')
  const headers = upstream.upgrades[0]?.headers ?? {}
  t.equal(headers['user-agent'], 'chat-client/2.1', 'User-Agent arrives')
  t.equal(headers['accept-language'], 'zh-CN,zh;q=0.9', 'Accept-Language arrives')
  t.equal(headers.authorization, 'Bearer the-apps-own-token', 'the app\'s own Authorization arrives')
  t.equal(headers['x-app-version'], '7', 'an app header arrives')
  t.equal(headers['sec-websocket-protocol'], 'chat.v2', 'one Sec-WebSocket-Protocol, written by the proxy\'s client')
  t.equal(headers['x-forwarded-for'], '203.0.113.7, 127.0.0.1', 'the trusted hop\'s X-Forwarded-For, appended to')
  t.equal(headers['x-forwarded-proto'], 'http')
  t.equal(headers['x-user-id'], '1001', 'identity headers are the proxy\'s')
  t.equal(headers['x-user-name'], 'alice')
  t.equal(headers.host, new URL(upstream.url).host, 'Host names the upstream, as on HTTP requests')
})

t.test('from a peer outside trustProxy the client\'s X-Forwarded-* are replaced', async (t) => {
  const { stack, upstream, sessionCookie, wsUrl } = await signedInStack(t)
  await open(t, wsUrl, {
    cookie: sessionCookie,
    origin: stack.proxyUrl,
    'x-forwarded-for': '203.0.113.7',
    'x-forwarded-host': 'evil.example',
    'x-forwarded-prefix': '/evil'
  })
  const headers = upstream.upgrades[0]?.headers ?? {}
  t.equal(headers['x-forwarded-for'], '127.0.0.1')
  t.equal(headers['x-forwarded-host'], new URL(stack.proxyUrl).host)
  t.notOk('x-forwarded-prefix' in headers)
})

t.test('an upstream URL with a path: the upgrade goes under it, as HTTP requests do', async (t) => {
  const { stack, upstream, sessionCookie, wsUrl } = await signedInStack(t, {}, '/base/')
  await open(t, wsUrl, { cookie: sessionCookie, origin: stack.proxyUrl })
  t.equal(upstream.upgrades[0]?.url, '/base/socket?room=1', 'the upstream base path is kept')
  await open(t, wsUrl.replace('/socket?room=1', '/'), { cookie: sessionCookie, origin: stack.proxyUrl })
  t.equal(upstream.upgrades[1]?.url, '/base/', 'the root maps to the base path')
  const http = await request(`${stack.proxyUrl}/plain/page?q=1`, { headers: { cookie: sessionCookie, accept: 'application/json' } })
  await http.body.dump()
  t.equal(http.statusCode, 426, 'an HTTP request reaches the same upstream')
  t.same(upstream.requests.map((r) => r.url), ['/base/plain/page?q=1'], 'under the same base path')
})

t.test('a skipped route: a cross-site upgrade is proxied without identity, a same-site one with it', async (t) => {
  const { stack, upstream, sessionCookie } = await signedInStack(t, { skipAuthRoutes: '^/public/' })
  const publicUrl = `${stack.proxyUrl.replace(/^http/, 'ws')}/public/feed`
  for (const origin of ['https://evil.example', 'null', undefined]) {
    upstream.upgrades.length = 0
    await open(t, publicUrl, { cookie: `${sessionCookie}; theme=dark`, ...(origin === undefined ? {} : { origin }) })
    const headers = upstream.upgrades[0]?.headers ?? {}
    t.notOk('x-user-id' in headers, `Origin ${String(origin)}: no identity`)
    t.notOk('x-user-name' in headers, `Origin ${String(origin)}: no X-User-Name`)
    t.equal(headers.cookie, 'theme=dark', 'the proxy\'s cookie is dropped all the same')
  }
  upstream.upgrades.length = 0
  await open(t, publicUrl, { cookie: sessionCookie, origin: stack.proxyUrl })
  t.equal(upstream.upgrades[0]?.headers['x-user-id'], '1001', 'same-site: the user\'s identity')
  await open(t, publicUrl, { origin: 'https://evil.example', 'x-user-id': '1001' })
  t.notOk('x-user-id' in (upstream.upgrades[1]?.headers ?? {}), 'signed out: no identity, and the spoofed one is gone')
  const protectedOne = await connect(t, `${stack.proxyUrl.replace(/^http/, 'ws')}/private`, { cookie: sessionCookie, origin: 'https://evil.example' })
  t.same(protectedOne, { refused: 403 }, 'a protected route still refuses the cross-site upgrade')
})

t.test('allowBearer: a token the proxy read never reaches the upstream on a skipped route, valid or not', async (t) => {
  const upstream = await startWsUpstream(t)
  const stack = await startStack(t, { config: { upstream: upstream.url, allowBearer: true, skipAuthRoutes: '^/public/' } })
  const publicUrl = `${stack.proxyUrl.replace(/^http/, 'ws')}/public/feed`
  const before = new Set(stack.simulator.state.tokens.keys())
  await signIn(new Browser(), stack.proxyUrl)
  const token = [...stack.simulator.state.tokens].find(([value, record]) => record.kind === 'access' && !before.has(value))?.[0]
  if (token === undefined) throw new Error('no access token issued')
  for (const [name, value] of [['valid', token], ['refused', 'not-a-token-aihubmix-knows']] as const) {
    upstream.upgrades.length = 0
    await open(t, publicUrl, { authorization: `Bearer ${value}` })
    const headers = upstream.upgrades[0]?.headers ?? {}
    t.notOk('authorization' in headers, `${name} token: Authorization dropped`)
    t.equal(headers['x-user-id'], name === 'valid' ? '1001' : undefined, `${name} token: identity only when valid`)
  }
})
