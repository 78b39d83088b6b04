// The §4/§5/§7 security promises of the login and the proxy, end to end over real sockets:
// cookie attributes, state expiry, concurrent logins, open redirects, path tricks, account
// refusals, sign-out across instances, header encoding and what the logs never hold.
import t from 'tap'
import { request } from 'undici'
import { Browser, followProvider, signIn, type Page } from '../helpers/browser.js'
import { startStack, makeStore, waitReady, deleteKeys, type Stack } from '../helpers/stack.js'
import { rawGet } from '../helpers/raw-get.js'
import { startRecordingUpstream } from '../helpers/recording-upstream.js'

function cookieHeader (browser: Browser, url: string): string {
  return [...browser.cookies(url)].map(([k, v]) => `${k}=${v}`).join('; ')
}

t.test('with cookieSecure the session cookie is Secure and __Host- prefixed', async (t) => {
  const stack = await startStack(t, { config: { cookieSecure: true } })
  const browser = new Browser()
  const callback = await signIn(browser, stack.proxyUrl)
  t.equal(callback.status, 302)
  const lines = [callback.headers['set-cookie']].flat().filter((l): l is string => typeof l === 'string')
  const session = lines.find((l) => l.startsWith('__Host-_aihubmix_auth='))
  t.ok(session, 'the cookie name carries __Host-')
  t.match(session, /;\s*Secure/i, 'Secure')
  t.match(session, /;\s*HttpOnly/i, 'HttpOnly')
  t.match(session, /;\s*SameSite=Lax/i, 'SameSite=Lax')
  t.match(session, /;\s*Path=\//i, 'Path=/ as __Host- requires')
  t.notMatch(session, /Domain=/i, 'no Domain as __Host- requires')
  for (const line of lines) t.match(line, /;\s*Secure/i, `every cookie is Secure: ${line.split('=')[0] ?? ''}`)
})

t.test('an expired login state is refused with 403 and creates no session', async (t) => {
  const stack = await startStack(t)
  const browser = new Browser()
  const start = await browser.fetch(`${stack.proxyUrl}/oauth2/start?rd=%2Fprivate`)
  const jar = browser.cookies(stack.proxyUrl)
  const [name, value] = [...jar].find(([k]) => k.includes('_st_')) ?? ['', '']
  // What the browser would hold 11 minutes later, sealed with the real keys: only the
  // timestamp inside is older than the 10-minute limit.
  const data = stack.proxy.decodeSecureSession(decodeURIComponent(value), undefined, 'loginState')
  t.ok(data, 'the fresh state cookie decodes')
  const old = stack.proxy.createSecureSession({ ...data?.data(), __ts: Math.round(Date.now() / 1000) - 601 })
  jar.set(name, encodeURIComponent(stack.proxy.encodeSecureSession(old, 'loginState')))

  const back = await followProvider(browser, start.location ?? '', { username: 'alice', password: 'alice-password' })
  t.equal(back.status, 403, 'expired state gets 403')
  t.match(back.body, /sign_in|start/i, 'the page offers a fresh start')
  t.notOk(jar.has('_aihubmix_auth'), 'no session cookie')
  const probe = await request(`${stack.proxyUrl}/private`, { headers: { cookie: cookieHeader(browser, stack.proxyUrl), accept: 'application/json' } })
  t.equal(probe.statusCode, 401, 'still signed out')
  await probe.body.dump()
})

t.test('two tabs logging in at once both succeed', async (t) => {
  const stack = await startStack(t)
  const browser = new Browser()
  const tabA = await browser.fetch(`${stack.proxyUrl}/oauth2/start?rd=%2Fa`)
  const tabB = await browser.fetch(`${stack.proxyUrl}/oauth2/start?rd=%2Fb`)
  t.not(tabA.location, tabB.location, 'each tab has its own state')
  const alice = { username: 'alice', password: 'alice-password' }
  // Finished in the opposite order they were started: neither overwrote the other's state.
  const doneB = await followProvider(browser, tabB.location ?? '', alice)
  const doneA = await followProvider(browser, tabA.location ?? '', alice)
  t.equal(doneB.status, 302)
  t.equal(doneB.headers.location, '/b', 'tab B lands where it started')
  t.equal(doneA.status, 302)
  t.equal(doneA.headers.location, '/a', 'tab A lands where it started')
  const res = await request(`${stack.proxyUrl}/headers`, { headers: { cookie: cookieHeader(browser, stack.proxyUrl) } })
  t.equal(res.statusCode, 200, 'signed in')
  t.equal((await res.body.json() as Record<string, string>)['x-user-id'], '1001')
})

t.test('open redirect attempts all end at a local path', async (t) => {
  const stack = await startStack(t)
  const attacks = [
    '//evil.com', '/\\evil.com', 'https://evil.com', '/%2F%2Fevil.com', 'javascript:alert(1)',
    'http:evil.com', '/\tevil.com', '\\\\evil.com', '/%5Cevil.com', '///evil.com', 'https:/evil.com',
    ' //evil.com', '/.//evil.com'
  ]
  for (const rd of attacks) {
    const browser = new Browser()
    const back = await signIn(browser, stack.proxyUrl, undefined, rd)
    t.equal(back.status, 302, `callback redirects for ${JSON.stringify(rd)}`)
    const location = String(back.headers.location)
    t.ok(location.startsWith('/') && !location.startsWith('//') && !location.startsWith('/\\'), `local path for ${JSON.stringify(rd)}: ${location}`)
    t.equal(new URL(location, stack.proxyUrl).origin, stack.proxyUrl, `resolves to the proxy itself for ${JSON.stringify(rd)}`)

    const signInPage = await browser.fetch(`${stack.proxyUrl}/oauth2/sign_in?rd=${encodeURIComponent(rd)}`)
    t.notMatch(signInPage.body, /evil\.com/, `sign_in page never links to the attacker for ${JSON.stringify(rd)}`)
    const out = await browser.fetch(`${stack.proxyUrl}/oauth2/sign_out?rd=${encodeURIComponent(rd)}`, {
      method: 'POST', headers: { origin: stack.proxyUrl }
    })
    t.equal(out.status, 302)
    t.equal(new URL(String(out.headers.location), stack.proxyUrl).origin, stack.proxyUrl, `sign_out stays local for ${JSON.stringify(rd)}`)
  }
})

t.test('path tricks never reach a skipped route, and the upstream gets the normalized path', async (t) => {
  const stack = await startStack(t, { config: { skipAuthRoutes: '^/public/' } })
  const open = await rawGet(stack.proxyUrl, '/public/page')
  t.equal(open.status, 200, 'a real skipped route is proxied signed out')

  for (const path of ['/public/../private', '/public/%2e%2e/private', '//private', '/public/..%2fprivate', '/public/%2E%2E/private']) {
    const res = await rawGet(stack.proxyUrl, path, { accept: 'text/html' })
    t.ok(res.status === 302 || res.status === 400, `${path} is not skipped (got ${res.status})`)
    if (res.status === 302) t.match(res.location, /^\/oauth2\/sign_in\?rd=/, `${path} goes to sign in`)
  }

  const browser = new Browser()
  await signIn(browser, stack.proxyUrl)
  const cookie = cookieHeader(browser, stack.proxyUrl)
  for (const [sent, seen] of [['/public/../private', '/private'], ['/public/%2e%2e/private', '/private'], ['//private', '/private'], ['/a/./b?q=%2e%2e', '/a/b?q=%2e%2e']]) {
    const res = await rawGet(stack.proxyUrl, sent ?? '', { cookie })
    t.equal(res.status, 200, `${sent} is proxied signed in`)
    const echoed = JSON.parse(res.body) as { url: string, headers: Record<string, string> }
    t.equal(echoed.url, seen, `${sent} arrives upstream as ${seen}`)
    t.equal(echoed.headers['x-user-id'], '1001')
  }
})

// §5: every spoofable name is removed, not overwritten. Names the proxy never adds (X-User-Foo,
// the underscore spelling X_User_Id, X-Auth-Request-*) prove it: overwriting cannot remove them.
const SPOOFED: Record<string, string> = {
  'X-User-Id': '1',
  'x-user-balance': '999999',
  X_User_Id: 'spoof-underscore',
  'X-User-Foo': 'spoof-foo',
  'X-Auth-Request-User': 'spoof-root',
  x_auth_request_email: 'spoof-email',
  'X-Access-Token': 'spoof-token',
  'X-Auth-Assertion': 'spoof-assertion'
}
const NEVER_ADDED = ['x-user-foo', 'x_user_id', 'x-auth-request-user', 'x_auth_request_email', 'x-access-token', 'x-auth-assertion']

t.test('spoofed identity headers never reach the upstream, on protected and skipped routes, signed in or out', async (t) => {
  const upstream = await startRecordingUpstream(t)
  const stack = await startStack(t, { config: { upstream: upstream.url, skipAuthRoutes: '^/public/' } })
  const browser = new Browser()
  for (const signedIn of [false, true]) {
    if (signedIn) await signIn(browser, stack.proxyUrl)
    const cookie = cookieHeader(browser, stack.proxyUrl)
    for (const path of ['/private/page', '/public/page']) {
      const label = `${path}, ${signedIn ? 'signed in' : 'signed out'}`
      upstream.seen.length = 0
      const res = await request(`${stack.proxyUrl}${path}`, { headers: { ...SPOOFED, accept: 'application/json', ...(cookie === '' ? {} : { cookie }) } })
      await res.body.dump()
      if (!signedIn && path === '/private/page') {
        t.equal(res.statusCode, 401, label)
        t.equal(upstream.seen.length, 0, `nothing reaches the upstream (${label})`)
        continue
      }
      t.equal(res.statusCode, 200, label)
      const headers = upstream.seen[0]?.headers ?? {}
      for (const name of NEVER_ADDED) t.notOk(name in headers, `${name} removed (${label})`)
      t.equal(headers['x-user-id'], signedIn ? '1001' : undefined, `X-User-Id is the session's or absent (${label})`)
      t.equal(headers['x-user-balance'], signedIn ? '15.00' : undefined, `X-User-Balance is the session's or absent (${label})`)
      const values = Object.values(headers).flat().map(String)
      t.notOk(values.some((v) => Object.values(SPOOFED).includes(v)), `no spoofed value under any name (${label})`)
      t.notOk(String(headers.cookie ?? '').includes('_aihubmix_auth'), `proxy cookie not forwarded (${label})`)
    }
  }
})

t.test('a disabled account is refused with a 403 page and gets no session', async (t) => {
  const stack = await startStack(t)
  const browser = new Browser()
  const back = await signIn(browser, stack.proxyUrl, { username: 'disabled', password: 'disabled-password' })
  t.equal(back.status, 403)
  t.match(String(back.headers['content-type']), /text\/html/)
  t.match(back.body, /disabled|停用|禁用/i, 'the page says why')
  t.notOk(browser.cookies(stack.proxyUrl).has('_aihubmix_auth'), 'no session cookie')
})

t.test('a declined consent (access_denied) shows a kind sign-in page with the reason', async (t) => {
  const stack = await startStack(t, { config: { autoAuthorize: false } })
  const browser = new Browser()
  const start = await browser.fetch(`${stack.proxyUrl}/oauth2/start`)
  const authorizeUrl = new URL(start.location ?? '')
  const form = await browser.fetch(authorizeUrl.href)
  const posted = await browser.fetch(new URL('/login', authorizeUrl).href, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: 'alice', password: 'alice-password', continue: authorizeUrl.pathname + authorizeUrl.search }).toString()
  })
  t.equal(form.status, 200)
  const consent = await browser.fetch(posted.location ?? '')
  t.match(consent.body, /Deny/, 'the simulator asks for consent')
  const fields = new URLSearchParams()
  for (const m of consent.body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) {
    fields.set(m[1] ?? '', (m[2] ?? '').replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>'))
  }
  fields.set('decision', 'deny')
  const denied = await browser.fetch(new URL('/api/oauth2/consent', authorizeUrl).href, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: fields.toString()
  })
  t.equal(denied.status, 302)
  t.match(denied.location, /error=access_denied/)
  const page: Page = await browser.fetch(denied.location ?? '', { headers: { 'accept-language': 'en' } })
  t.equal(page.status, 403, 'the user declined')
  t.match(String(page.headers['content-type']), /text\/html/)
  t.match(page.body, /access_denied|declined|denied/i, 'the reason is shown')
  t.match(page.body, /\/oauth2\/start/, 'with a way to try again')
  t.notOk(browser.cookies(stack.proxyUrl).has('_aihubmix_auth'), 'no session cookie')
})

t.test('sign_out on one instance is seen at once by a second instance sharing Redis', async (t) => {
  const prefix = `aap-test:${Date.now()}-${Math.random()}:`
  const store = makeStore('redis', prefix)
  await waitReady(store)
  t.teardown(async () => { await store.close(); await deleteKeys(prefix) })
  const first: Stack = await startStack(t, { sharedStore: store })
  const second: Stack = await startStack(t, { sharedStore: store, simulator: first.simulator })
  const browser = new Browser()
  await signIn(browser, first.proxyUrl)
  const cookie = cookieHeader(browser, first.proxyUrl)
  const onSecond = await request(`${second.proxyUrl}/headers`, { headers: { cookie } })
  t.equal(onSecond.statusCode, 200, 'the session works on the second instance')
  t.equal((await onSecond.body.json() as Record<string, string>)['x-user-id'], '1001')

  const out = await request(`${first.proxyUrl}/oauth2/sign_out`, { method: 'POST', headers: { cookie, origin: first.proxyUrl } })
  t.equal(out.statusCode, 302)
  await out.body.dump()
  const after = await request(`${second.proxyUrl}/headers`, { headers: { cookie, accept: 'application/json' } })
  t.equal(after.statusCode, 401, 'the old cookie is dead on the second instance too')
  await after.body.dump()
})

t.test('a cross-site GET sign_out shows a confirmation page and does not sign out', async (t) => {
  const stack = await startStack(t)
  const browser = new Browser()
  await signIn(browser, stack.proxyUrl)
  const cookie = cookieHeader(browser, stack.proxyUrl)
  const confirm = await request(`${stack.proxyUrl}/oauth2/sign_out`, {
    headers: { cookie, accept: 'text/html', 'sec-fetch-site': 'cross-site', referer: 'https://evil.example/' }
  })
  t.equal(confirm.statusCode, 200)
  const html = await confirm.body.text()
  t.match(html, /<form[^>]+method="post"[^>]+\/oauth2\/sign_out|<form[^>]+\/oauth2\/sign_out[^>]+method="post"/i, 'a POST form to confirm')
  const still = await request(`${stack.proxyUrl}/headers`, { headers: { cookie } })
  t.equal(still.statusCode, 200, 'still signed in')
  await still.body.dump()

  const same = await request(`${stack.proxyUrl}/oauth2/sign_out`, { headers: { cookie, accept: 'text/html', 'sec-fetch-site': 'same-origin' } })
  t.equal(same.statusCode, 302, 'a same-site GET signs out')
  await same.body.dump()
  const gone = await request(`${stack.proxyUrl}/headers`, { headers: { cookie, accept: 'application/json' } })
  t.equal(gone.statusCode, 401)
  await gone.body.dump()
})

t.test('a Chinese user name arrives percent-encoded and decodes back exactly', async (t) => {
  const stack = await startStack(t)
  const browser = new Browser()
  await signIn(browser, stack.proxyUrl, { username: '张三', password: 'zhangsan-password' })
  const res = await request(`${stack.proxyUrl}/headers`, { headers: { cookie: cookieHeader(browser, stack.proxyUrl) } })
  const seen = await res.body.json() as Record<string, string>
  t.equal(seen['x-user-id'], '1002')
  t.equal(seen['x-user-name'], '%E5%BC%A0%E4%B8%89', 'percent-encoded UTF-8')
  t.equal(decodeURIComponent(seen['x-user-name'] ?? ''), '张三', 'decodes back exactly')
  t.equal(seen['x-user-email'], 'zhangsan@example.cn')
  t.equal(seen['x-user-balance'], '2.00')
})

t.test('no secret, code, token or cookie value appears in any response or log line', async (t) => {
  const clock = { offset: 0 }
  const stack = await startStack(t, { store: 'redis', now: () => Date.now() + clock.offset })
  const browser = new Browser()
  const pages: Page[] = []
  const start = await browser.fetch(`${stack.proxyUrl}/oauth2/start?rd=%2Fheaders`)
  pages.push(start)
  pages.push(await followProvider(browser, start.location ?? '', { username: 'alice', password: 'alice-password' }))
  const cookie = cookieHeader(browser, stack.proxyUrl)
  for (const path of ['/headers', '/oauth2/userinfo', '/oauth2/userinfo?refresh=1', '/private', '/oauth2/topup']) {
    pages.push(await browser.fetch(`${stack.proxyUrl}${path}`, { headers: { accept: 'application/json' } }))
  }
  // Past the access token's life: this request refreshes (a rotated refresh token too).
  clock.offset += 7201 * 1000
  const refreshed = await browser.fetch(`${stack.proxyUrl}/headers`, { headers: { accept: 'application/json', 'x-request-id': 'refresh-req-1' } })
  t.equal(refreshed.status, 200)
  pages.push(refreshed)
  const refreshLines = stack.logs.join('').split('\n').filter((l) => l.includes('"event":"token_refresh"'))
  t.equal(refreshLines.length, 1, 'one refresh happened')
  t.match(refreshLines[0], /"reqId":"refresh-req-1"/, 'the refresh line carries the request\'s id')
  const requestLines = stack.logs.join('').split('\n').filter((l) => l.includes('refresh-req-1'))
  t.ok(requestLines.length >= 2, 'the refresh and the access line')
  t.ok(stack.logs.join('').split('\n').filter((l) => l.includes('"event":"login"')).every((l) => /"reqId":"[^"]+"/.test(l)), 'login lines carry a request id')
  const code = stack.simulator.state.lastCode?.code ?? 'missing'
  const tokens = [...stack.simulator.state.tokens.keys()]
  t.ok(tokens.length >= 2, 'the simulator issued an access and a refresh token')
  const secrets = [code, 'test-secret', ...tokens, ...[...browser.cookies(stack.proxyUrl).values()].map(decodeURIComponent)]
  // Set-Cookie is where the sealed cookies belong; everything else must not hold them.
  const proxyAnswers = pages.map((p) => p.body + JSON.stringify({ ...p.headers, 'set-cookie': undefined }))
    .join('\n')
  const logs = stack.logs.join('')
  t.ok(logs.split('\n').length > 10, 'the capture holds the whole exchange')
  for (const secret of secrets) {
    t.notOk(logs.includes(secret), `log lines never hold ${secret.slice(0, 6)}…`)
    t.notOk(proxyAnswers.includes(secret), `responses never hold ${secret.slice(0, 6)}…`)
  }
  t.ok(cookie.includes('_aihubmix_auth='), 'the walk signed in')
})

// The pages' security headers are chosen as helmet options and computed once (pages/security-headers.ts).
const HELMET_HEADERS = ['content-security-policy', 'x-frame-options', 'referrer-policy', 'strict-transport-security',
  'x-content-type-options', 'cross-origin-opener-policy', 'cross-origin-resource-policy', 'origin-agent-cluster',
  'x-dns-prefetch-control', 'x-download-options', 'x-permitted-cross-domain-policies', 'x-xss-protection']

t.test('security headers on the proxy\'s own pages, none added to upstream responses', async (t) => {
  const stack = await startStack(t)
  const pages = [
    await request(`${stack.proxyUrl}/oauth2/sign_in`, { headers: { accept: 'text/html' } }),
    await request(`${stack.proxyUrl}/oauth2/callback`, { headers: { accept: 'text/html' } }),
    await request(`${stack.proxyUrl}/private`, { headers: { accept: 'text/html', cookie: '_aihubmix_auth=garbage', 'x-requested-with': 'x' } }),
    await request(`${stack.proxyUrl}/oauth2/nothing-here`, { headers: { accept: 'text/html' } })
  ]
  t.same(pages.map((p) => p.statusCode), [200, 400, 401, 404])
  for (const page of pages.filter((p) => p.statusCode !== 401)) {
    await page.body.dump()
    const csp = String(page.headers['content-security-policy'])
    t.match(csp, /^default-src 'none';style-src 'sha256-[A-Za-z0-9+/=]+';form-action 'self' [^;]+;frame-ancestors 'none';base-uri 'none'$/, csp)
    t.notMatch(csp, /unsafe-inline|script-src/, 'no script allowed at all')
    t.equal(page.headers['cache-control'], 'no-store')
    t.equal(page.headers['content-type'], 'text/html; charset=utf-8')
    t.equal(page.headers['x-content-type-options'], 'nosniff')
    t.equal(page.headers['referrer-policy'], 'same-origin', 'a form\'s POST carries our own Origin')
    t.equal(page.headers['x-frame-options'], 'DENY')
    t.equal(page.headers['cross-origin-opener-policy'], 'same-origin')
    t.equal(page.headers['cross-origin-resource-policy'], 'same-origin')
    t.notOk('strict-transport-security' in page.headers, 'HSTS is left to whoever terminates TLS')
  }
  await pages[2]?.body.dump()
  t.notOk('content-security-policy' in (pages[2]?.headers ?? {}), 'a JSON answer is not a page')

  const browser = new Browser()
  await signIn(browser, stack.proxyUrl)
  for (const path of ['/headers', '/']) {
    const proxied = await request(`${stack.proxyUrl}${path}`, { headers: { cookie: cookieHeader(browser, stack.proxyUrl) } })
    await proxied.body.dump()
    t.equal(proxied.statusCode, 200)
    for (const name of HELMET_HEADERS) {
      if (path === '/' && ['content-security-policy', 'referrer-policy', 'x-content-type-options'].includes(name)) {
        t.not(proxied.headers[name], undefined, `the demo page's own ${name} passes through`)
        continue
      }
      t.notOk(name in proxied.headers, `${name} on ${path} is the upstream's business`)
    }
    if (path === '/') t.match(String(proxied.headers['content-security-policy']), /script-src 'self'/, 'the upstream\'s own CSP, untouched')
  }
})

t.test('rd comes only from the sealed state cookie, never from the callback URL', async (t) => {
  const stack = await startStack(t)
  const browser = new Browser()
  const start = await browser.fetch(`${stack.proxyUrl}/oauth2/start?rd=%2Fmine`)
  const authorizeUrl = new URL(start.location ?? '')
  await browser.fetch(authorizeUrl.href)
  const posted = await browser.fetch(new URL('/login', authorizeUrl).href, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: 'alice', password: 'alice-password', continue: authorizeUrl.pathname + authorizeUrl.search }).toString()
  })
  const toCallback = await browser.fetch(posted.location ?? '')
  const callbackUrl = new URL(toCallback.location ?? '')
  t.equal(callbackUrl.pathname, '/oauth2/callback')
  callbackUrl.searchParams.append('rd', '/elsewhere')
  const done = await browser.fetch(callbackUrl.href)
  t.equal(done.status, 302)
  t.equal(done.headers.location, '/mine', 'the rd sealed at start, not the one added to the URL')
})
