// SPEC §5 websockets: an upgrade goes through the same session gate as any request, must come
// from the proxy's own origin (no cross-site websocket hijacking), and reaches the upstream
// with the proxy's identity headers, never the client's spoofed ones or the proxy's cookie.
import t from 'tap'
import WebSocket from 'ws'
import { Browser, signIn } from '../helpers/browser.js'
import { startStack, type Stack } from '../helpers/stack.js'
import { startWsUpstream, type WsUpstream } from '../helpers/ws-upstream.js'
import type { Test } from 'tap'

type Outcome = { opened: WebSocket } | { refused: number }

// Opens a websocket to the proxy; a refused upgrade resolves with the HTTP status it got.
function connect (t: Test, url: string, headers: Record<string, string>): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers })
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

async function signedInStack (t: Test): Promise<{ stack: Stack, upstream: WsUpstream, sessionCookie: string, wsUrl: string }> {
  const upstream = await startWsUpstream(t)
  const stack = await startStack(t, { config: { upstream: upstream.url } })
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
