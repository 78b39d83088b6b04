// Issue 7 acceptance / SPEC §7, §10: the log of a full login, a token refresh, a proxied request
// and a sign-out, on the Redis store at debug level, holds no secret: not the client secret, the
// cookie secret, the state, the PKCE verifier, the code, an access or refresh token, nor any
// cookie value; every line belongs to one request and carries its id, and each request has
// exactly one access line.
import { createHash } from 'node:crypto'
import t from 'tap'
import { request } from 'undici'
import { Browser, type Page } from '../helpers/browser.js'
import { COOKIE_SECRET, startStack } from '../helpers/stack.js'

const ACCESS_TTL_S = 600

// The verifier itself never crosses a wire the test can see; its S256 challenge does. Any run
// of 43 base64url characters in the log whose hash is that challenge would be the verifier.
function holdsVerifier (text: string, challenge: string): boolean {
  for (const run of text.match(/[A-Za-z0-9_-]{43,}/g) ?? []) {
    for (let i = 0; i + 43 <= run.length; i++) {
      if (createHash('sha256').update(run.slice(i, i + 43)).digest('base64url') === challenge) return true
    }
  }
  return false
}

t.test('a login, a refresh, a proxied request and a sign-out log no secret, each line under its request id', async (t) => {
  const clock = { offset: 0 }
  const stack = await startStack(t, { store: 'redis', now: () => Date.now() + clock.offset, config: { logLevel: 'debug' } })
  await request(`${stack.simulatorUrl}/__control/settings`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ access_token_ttl: ACCESS_TTL_S })
  }).then((res) => res.body.dump())
  const browser = new Browser()
  const cookieValues = new Set<string>()
  const ids: string[] = []
  // Every request to the proxy goes through here: its own request id, and every cookie the
  // proxy set so far remembered (the state cookie is gone after the callback).
  async function toProxy (path: string, id: string, init: { method?: string, headers?: Record<string, string> } = {}): Promise<Page> {
    ids.push(id)
    const page = await browser.fetch(`${stack.proxyUrl}${path}`, { ...init, headers: { ...init.headers, 'x-request-id': id } })
    for (const value of browser.cookies(stack.proxyUrl).values()) cookieValues.add(value)
    return page
  }

  const start = await toProxy('/oauth2/start?rd=%2Fheaders', 'secrecy-start')
  const authorize = new URL(start.location ?? '')
  const state = authorize.searchParams.get('state') ?? ''
  const challenge = authorize.searchParams.get('code_challenge') ?? ''
  t.ok(state !== '' && challenge !== '', 'state and PKCE challenge sent')

  // At AIHubMix (the simulator): its login form, then back with the code.
  const form = await browser.fetch(authorize.href)
  t.equal(form.status, 200, 'the provider\'s login page')
  const loggedIn = await browser.fetch(new URL('/login', authorize).href, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: 'alice', password: 'alice-password', continue: authorize.pathname + authorize.search }).toString()
  })
  const back = await browser.fetch(loggedIn.location ?? '')
  const callbackUrl = new URL(back.location ?? '')
  const code = callbackUrl.searchParams.get('code') ?? ''
  t.ok(code !== '', 'the provider sent a code')

  const callback = await toProxy(callbackUrl.pathname + callbackUrl.search, 'secrecy-callback')
  t.equal(callback.status, 302, 'signed in')
  t.equal((await toProxy('/headers', 'secrecy-proxied')).status, 200, 'a proxied request')
  clock.offset += (ACCESS_TTL_S + 1) * 1000
  t.equal((await toProxy('/headers', 'secrecy-refresh')).status, 200, 'a proxied request that refreshed the token')
  const out = await toProxy('/oauth2/sign_out', 'secrecy-sign-out', { method: 'POST', headers: { origin: stack.proxyUrl } })
  t.equal(out.status, 302, 'signed out')

  const text = stack.logs.join('')
  const lines = text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>)
  t.ok(lines.some((l) => l.level === 20), 'debug lines were written')
  t.ok(lines.some((l) => l.event === 'token_refresh' && l.outcome === 'ok'), 'the refresh happened and was logged')

  const tokens = [...stack.simulator.state.tokens.keys()]
  t.ok(tokens.length >= 4, 'two access and two refresh tokens were issued')
  const secrets: Record<string, string[]> = {
    clientSecret: [stack.config.clientSecret],
    cookieSecret: [COOKIE_SECRET],
    state: [state, encodeURIComponent(state)],
    code: [code, encodeURIComponent(code)],
    token: tokens,
    cookie: [...cookieValues].flatMap((v) => [v, decodeURIComponent(v)])
  }
  t.ok(cookieValues.size >= 2, 'the state and session cookies were seen')
  for (const [name, values] of Object.entries(secrets)) {
    t.notOk(values.some((v) => text.includes(v)), `no ${name} in the log`)
  }
  t.notOk(holdsVerifier(text, challenge), 'no PKCE verifier in the log')

  // Fastify's own "Server listening" line is the only one written outside a request.
  for (const line of lines.filter((l) => !String(l.msg).startsWith('Server listening'))) {
    if (!ids.includes(String(line.reqId))) t.fail(`a line outside the requests: ${JSON.stringify(line)}`)
  }
  for (const id of ids) {
    t.equal(lines.filter((l) => l.reqId === id && l.msg === 'request completed').length, 1, `one access line for ${id}`)
  }
})
