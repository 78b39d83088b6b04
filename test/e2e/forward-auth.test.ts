// SPEC §6 forward-auth over real sockets: GET /oauth2/auth (nginx, Envoy) answers exactly 200
// with the identity headers, or 401/403/503, never a redirect and never from the headers that
// name the original request; GET /oauth2/auth/traefik trusts X-Forwarded-* only from a
// trustProxy peer and sends a signed-out browser to an absolute start URL.
import { generateKeyPairSync } from 'node:crypto'
import t from 'tap'
import { Client, request } from 'undici'
import { Browser, followProvider, signIn } from '../helpers/browser.js'
import { startRecordingUpstream } from '../helpers/recording-upstream.js'
import { makeStore, startStack, type Stack } from '../helpers/stack.js'

const HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'

interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

async function get (url: string, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await request(url, { headers })
  return { status: res.statusCode, headers: res.headers, body: await res.body.text() }
}

// The request line exactly as written: Envoy appends the client's path without resolving it.
async function raw (origin: string, method: string, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  const client = new Client(origin)
  try {
    const res = await client.request({ method: method as 'GET', path, headers })
    return { status: res.statusCode, headers: res.headers, body: await res.body.text() }
  } finally {
    await client.close()
  }
}

async function signedInCookie (stack: Stack): Promise<string> {
  const browser = new Browser()
  await signIn(browser, stack.proxyUrl)
  return [...browser.cookies(stack.proxyUrl)].map(([k, v]) => `${k}=${v}`).join('; ')
}

t.test('/oauth2/auth: 200 or 401, whatever the request says it is for', async (t) => {
  const stack = await startStack(t, { config: { skipAuthRoutes: '^/public' } })
  const auth = `${stack.proxyUrl}/oauth2/auth`
  // ingress-nginx passes the client's own copies of these through (SPEC §6).
  const claims = { 'x-forwarded-uri': '/public', 'x-original-url': '/public', 'x-original-uri': '/public', 'x-forwarded-method': 'GET' }

  for (const accept of [HTML, 'application/json']) {
    const out = await get(auth, { ...claims, accept })
    t.equal(out.status, 401, `signed out, skipAuthRoutes path claimed, Accept ${accept}: 401, not a skip and not a redirect`)
    t.equal(out.headers.location, undefined, 'no Location (nginx turns a 3xx into a 500)')
    t.equal(out.headers['cache-control'], 'no-store')
    t.same(JSON.parse(out.body), { error: 'unauthorized' })
  }
  t.equal((await get(auth, { cookie: '_aihubmix_auth=garbage', accept: HTML })).status, 401, 'a cookie that opens nothing: 401')

  const cookie = await signedInCookie(stack)
  const ok = await get(auth, { ...claims, cookie, accept: HTML, 'x-user-id': '1', 'x-user-balance': '999999.00' })
  t.equal(ok.status, 200, 'signed in: exactly 200 (Envoy allows nothing else)')
  t.equal(ok.body, '', 'with an empty body')
  t.equal(ok.headers['x-user-id'], '1001', 'the session user, never the client\'s X-User-Id')
  t.equal(ok.headers['x-user-balance'], '15.00')
  t.equal(ok.headers['x-user-name'], 'alice')
  t.equal(ok.headers['x-user-email'], 'alice@example.com')
  t.equal(ok.headers['x-user-quota'], '10000000')
  t.equal(ok.headers['x-user-used-quota'], '2500000')
  t.equal(ok.headers['x-access-token'], undefined, 'no token unless passAccessToken')
  t.equal(ok.headers['cache-control'], 'no-store')

  const other = await get(auth, { cookie, 'x-forwarded-uri': '/admin', 'x-original-url': '/admin' })
  t.equal(other.status, 200, 'the claimed path changes nothing for a signed-in user either')

  // Envoy ext_authz: the original method, and the original path after path_prefix.
  for (const method of ['GET', 'POST', 'DELETE'] as const) {
    const envoy = await request(`${auth}/public/items?x=1`, { method, headers: { cookie } })
    t.equal(envoy.statusCode, 200, `Envoy-style ${method} ${auth}/public/items: 200`)
    t.equal(envoy.headers['x-user-id'], '1001')
    await envoy.body.dump()
    const out = await request(`${auth}/public/items?x=1`, { method, headers: { accept: HTML } })
    t.equal(out.statusCode, 401, `signed out, Envoy-style ${method} on a skipAuthRoutes path: 401`)
    await out.body.dump()
  }
})

t.test('/oauth2/auth: 403 for a session the access rules refuse, and the session is kept', async (t) => {
  const store = makeStore('memory')
  t.teardown(() => store.close())
  const open = await startStack(t, { sharedStore: store })
  const onlyOthers = await startStack(t, { sharedStore: store, replicaOf: open, config: { allowedUsers: '1002' } })
  const rich = await startStack(t, { sharedStore: store, replicaOf: open, config: { minBalance: '100' } })
  const cookie = await signedInCookie(open)

  const refused = await get(`${onlyOthers.proxyUrl}/oauth2/auth`, { cookie, accept: HTML })
  t.equal(refused.status, 403, 'refused by allowedUsers: 403, not a page or a redirect')
  t.same(JSON.parse(refused.body), { error: 'forbidden' })
  t.equal(refused.headers['x-user-id'], undefined, 'no identity on a refusal')
  t.equal(refused.headers['cache-control'], 'no-store')

  const poor = await get(`${rich.proxyUrl}/oauth2/auth`, { cookie, accept: HTML })
  t.equal(poor.status, 403, 'below minBalance: 403 (auth_request knows no 402)')
  t.same(JSON.parse(poor.body), { error: 'insufficient_balance' })

  t.equal((await get(`${open.proxyUrl}/oauth2/auth`, { cookie })).status, 200, 'the session still works where the rules allow it')
})

t.test('/oauth2/auth and /oauth2/auth/traefik fail closed when the store is down', async (t) => {
  const store = makeStore('memory')
  const stack = await startStack(t, { sharedStore: store, config: { trustProxy: '127.0.0.1' } })
  const cookie = await signedInCookie(stack)
  t.equal((await get(`${stack.proxyUrl}/oauth2/auth`, { cookie })).status, 200)
  await store.close()

  const down = await get(`${stack.proxyUrl}/oauth2/auth`, { cookie, accept: HTML })
  t.equal(down.status, 503, 'store closed: 503, never a pass-through')
  t.same(JSON.parse(down.body), { error: 'session_store_unavailable' })
  t.ok(Number(down.headers['retry-after']) > 0, 'with Retry-After')
  t.equal(down.headers['cache-control'], 'no-store')
  t.equal(down.headers['x-user-id'], undefined)

  const traefik = await get(`${stack.proxyUrl}/oauth2/auth/traefik`, {
    cookie, accept: HTML, 'x-forwarded-method': 'GET', 'x-forwarded-proto': 'http', 'x-forwarded-host': '127.0.0.1', 'x-forwarded-uri': '/'
  })
  t.equal(traefik.status, 503, 'traefik: 503 too, not a redirect to sign in')

  t.equal((await get(`${stack.proxyUrl}/oauth2/auth`, { accept: HTML })).status, 401, 'no cookie: signed out, without asking the store')
})

t.test('/oauth2/auth/traefik from a trusted Traefik', async (t) => {
  const stack = await startStack(t, { config: { trustProxy: '127.0.0.1', allowedRedirectDomains: 'app.example.com' } })
  const traefik = `${stack.proxyUrl}/oauth2/auth/traefik`
  const forwarded = (host: string, uri = '/dashboard?tab=1', method = 'GET'): Record<string, string> =>
    ({ 'x-forwarded-method': method, 'x-forwarded-proto': 'https', 'x-forwarded-host': host, 'x-forwarded-uri': uri })
  const startFor = (rd: string): string => `${stack.proxyUrl}/oauth2/start?rd=${encodeURIComponent(rd)}`

  const nav = await get(traefik, { ...forwarded('app.example.com'), accept: HTML })
  t.equal(nav.status, 302, 'signed-out browser navigation: 302')
  t.equal(nav.headers.location, startFor('https://app.example.com/dashboard?tab=1'),
    'to start on redirectUrl\'s origin, absolute (not the forwarded host), rd = the original URL')
  t.equal(nav.headers['cache-control'], 'no-store')

  const browser = new Browser()
  const start = await browser.fetch(String(nav.headers.location))
  t.equal(start.status, 302, 'start takes the rd')
  const back = await followProvider(browser, start.location ?? '', { username: 'alice', password: 'alice-password' })
  t.equal(back.headers.location, 'https://app.example.com/dashboard?tab=1', 'after login the user lands on the page Traefik asked about')

  const foreign = await get(traefik, { ...forwarded('evil.example.net'), accept: HTML })
  t.equal(foreign.status, 302)
  t.equal(foreign.headers.location, startFor('/'), 'a host outside allowedRedirectDomains: rd /')
  const loop = await get(traefik, { ...forwarded('app.example.com', '/oauth2/sign_out'), accept: HTML })
  t.equal(loop.headers.location, startFor('/'), 'an original URL into authPrefix: rd /')
  const slashes = await get(traefik, { ...forwarded('app.example.com', '//evil.example.net/x'), accept: HTML })
  t.equal(slashes.headers.location, startFor('/'), 'a // path: rd /')

  const cases: Array<[string, Record<string, string>]> = [
    ['a POST', { ...forwarded('app.example.com', '/form', 'POST'), accept: HTML }],
    ['a JSON client', { ...forwarded('app.example.com'), accept: 'application/json' }],
    ['an XHR', { ...forwarded('app.example.com'), accept: HTML, 'x-requested-with': 'XMLHttpRequest' }],
    ['no X-Forwarded-Method', { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'app.example.com', 'x-forwarded-uri': '/', accept: HTML }]
  ]
  for (const [name, headers] of cases) {
    const res = await get(traefik, headers)
    t.equal(res.status, 401, `${name}: 401, not a redirect`)
    t.equal(res.headers.location, undefined)
    t.equal(res.headers['cache-control'], 'no-store')
  }

  const cookie = [...browser.cookies(stack.proxyUrl)].map(([k, v]) => `${k}=${v}`).join('; ')
  const ok = await get(traefik, { ...forwarded('app.example.com'), accept: HTML, cookie })
  t.equal(ok.status, 200, 'signed in: 200')
  t.equal(ok.headers['x-user-id'], '1001')
  t.equal(ok.headers['x-user-balance'], '15.00')
  t.equal(ok.body, '')
  t.equal(ok.headers['cache-control'], 'no-store')
})

t.test('/oauth2/auth/traefik from a peer outside trustProxy: 400', async (t) => {
  const stack = await startStack(t, { config: { allowedRedirectDomains: 'app.example.com' } })
  const headers = { 'x-forwarded-method': 'GET', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'app.example.com', 'x-forwarded-uri': '/dashboard', accept: HTML }
  const out = await get(`${stack.proxyUrl}/oauth2/auth/traefik`, headers)
  t.equal(out.status, 400, 'signed out: 400, no redirect built from headers anyone could write')
  t.equal(out.headers.location, undefined)
  t.equal(out.headers['cache-control'], 'no-store')
  const cookie = await signedInCookie(stack)
  const signedIn = await get(`${stack.proxyUrl}/oauth2/auth/traefik`, { ...headers, cookie })
  t.equal(signedIn.status, 400, 'signed in: 400 as well')
  t.equal(signedIn.headers['x-user-id'], undefined)
  t.equal((await get(`${stack.proxyUrl}/oauth2/auth`, { cookie })).status, 200, '/oauth2/auth needs no trustProxy')
})

t.test('allowBearer: an AIHubMix access token passes forward-auth as a session does', async (t) => {
  const stack = await startStack(t, { config: { allowBearer: true, trustProxy: '127.0.0.1' } })
  const before = new Set(stack.simulator.state.tokens.keys())
  await signIn(new Browser(), stack.proxyUrl)
  const token = [...stack.simulator.state.tokens].find(([value, record]) => record.kind === 'access' && !before.has(value))?.[0]
  if (token === undefined) throw new Error('no access token issued')

  const ok = await get(`${stack.proxyUrl}/oauth2/auth`, { authorization: `Bearer ${token}` })
  t.equal(ok.status, 200, 'a valid token: 200')
  t.equal(ok.headers['x-user-id'], '1001', 'with the token owner\'s identity')
  const bad = await get(`${stack.proxyUrl}/oauth2/auth`, { authorization: 'Bearer not-a-token-aihubmix-knows', accept: HTML })
  t.equal(bad.status, 401, 'an unknown token: 401')
  t.equal(bad.headers['www-authenticate'], 'Bearer error="invalid_token"', 'saying why (RFC 6750)')
  const forwarded = { 'x-forwarded-method': 'GET', 'x-forwarded-proto': 'http', 'x-forwarded-host': '127.0.0.1', 'x-forwarded-uri': '/' }
  const traefik = await get(`${stack.proxyUrl}/oauth2/auth/traefik`, { ...forwarded, authorization: 'Bearer not-a-token-aihubmix-knows', accept: HTML })
  t.equal(traefik.status, 401, 'traefik: a client that sent a token is not sent to sign in')
})

t.test('/oauth2/auth/<anything>: dot segments in the appended path never reach another route', async (t) => {
  const upstream = await startRecordingUpstream(t)
  const assertionKey = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  const stack = await startStack(t, { config: { upstream: upstream.url, skipAuthRoutes: '^/public', assertionKey } })
  // Each would answer 200 (or be proxied to a skipped route) if resolved before routing; a 200
  // from /oauth2/auth is Envoy's "allow".
  const probes = [
    '/oauth2/auth/../sign_in',
    '/oauth2/auth/x/../../jwks.json',
    '/oauth2/auth/../../healthz',
    '/oauth2/auth/../../public/x',
    '/oauth2/auth/%2e%2e/sign_in',
    '/oauth2/auth/%2E%2E/%2E%2E/public/x',
    '/oauth2/auth/..%2f..%2fpublic/x',
    '/oauth2/auth//../../public/x',
    '/oauth2/auth/./../../healthz',
    '/oauth2/auth/traefik/../../sign_in',
    '/oauth2/auth/../../public/x?a=1',
    '/oauth2/auth/../../../x',
    '/oauth2/auth/%00'
  ]
  t.equal((await raw(stack.proxyUrl, 'GET', '/public/x')).status, 200, 'the skipped route is live')
  t.equal((await raw(stack.proxyUrl, 'GET', '/oauth2/jwks.json')).status, 200, 'jwks.json is live')
  upstream.seen.length = 0

  for (const method of ['GET', 'POST', 'DELETE']) {
    for (const path of probes) {
      const out = await raw(stack.proxyUrl, method, path, { accept: HTML })
      t.equal(out.status, 401, `signed out ${method} ${path}: 401`)
      t.same(JSON.parse(out.body), { error: 'unauthorized' }, `${method} ${path}: forward-auth's own answer`)
    }
  }
  t.same(upstream.seen, [], 'nothing was proxied')

  const cookie = await signedInCookie(stack)
  for (const path of probes) {
    const out = await raw(stack.proxyUrl, 'GET', path, { cookie, accept: HTML })
    t.equal(out.status, 200, `signed in ${path}: forward-auth's 200`)
    t.equal(out.body, '', `${path}: no page`)
    t.equal(out.headers['x-user-id'], '1001', `${path}: with the identity`)
  }
  t.same(upstream.seen, [], 'still nothing proxied')
  const traefik = await raw(stack.proxyUrl, 'GET', '/oauth2/auth/traefik', { cookie, accept: HTML })
  t.equal(traefik.status, 400, '/oauth2/auth/traefik itself is still the Traefik endpoint (no trustProxy here)')
})

t.test('passAccessToken: the token goes to the upstream of a proxied request, never into a forward-auth answer', async (t) => {
  const stack = await startStack(t, { config: { passAccessToken: true, trustProxy: '127.0.0.1' } })
  const cookie = await signedInCookie(stack)
  const proxied = await get(`${stack.proxyUrl}/headers`, { cookie, accept: 'application/json' })
  t.equal(proxied.status, 200)
  t.match((JSON.parse(proxied.body) as Record<string, string>)['x-access-token'], /^\S{20,}$/, 'the upstream gets X-Access-Token')

  const nginx = await get(`${stack.proxyUrl}/oauth2/auth`, { cookie })
  t.equal(nginx.status, 200)
  t.equal(nginx.headers['x-user-id'], '1001')
  t.equal(nginx.headers['x-access-token'], undefined, '/oauth2/auth: no X-Access-Token (a page\'s script could read it)')
  const envoy = await get(`${stack.proxyUrl}/oauth2/auth/api/x`, { cookie })
  t.equal(envoy.headers['x-access-token'], undefined, '/oauth2/auth/<path>: none either')
  const traefik = await get(`${stack.proxyUrl}/oauth2/auth/traefik`, {
    cookie, 'x-forwarded-method': 'GET', 'x-forwarded-proto': 'http', 'x-forwarded-host': '127.0.0.1', 'x-forwarded-uri': '/'
  })
  t.equal(traefik.status, 200)
  t.equal(traefik.headers['x-access-token'], undefined, '/oauth2/auth/traefik: none either')
})

t.test('/oauth2/auth/traefik builds its absolute URL from redirectUrl, never from Host or X-Forwarded-Host', async (t) => {
  const stack = await startStack(t, {
    config: { trustProxy: '127.0.0.1', redirectUrl: 'https://auth.example.com/oauth2/callback', cookieSecure: true, allowedRedirectDomains: 'app.example.com' }
  })
  const traefik = `${stack.proxyUrl}/oauth2/auth/traefik`
  const base = { 'x-forwarded-method': 'GET', 'x-forwarded-proto': 'https', 'x-forwarded-uri': '/dashboard?tab=1', accept: HTML }
  const nav = await get(traefik, { ...base, host: 'attacker.example:8443', 'x-forwarded-host': 'app.example.com' })
  t.equal(nav.status, 302)
  t.equal(nav.headers.location, `https://auth.example.com/oauth2/start?rd=${encodeURIComponent('https://app.example.com/dashboard?tab=1')}`,
    'start on redirectUrl\'s origin, whatever Host said')
  const evil = await get(traefik, { ...base, host: 'attacker.example', 'x-forwarded-host': 'attacker.example' })
  t.equal(evil.headers.location, 'https://auth.example.com/oauth2/start?rd=%2F', 'a foreign forwarded host: rd /, still on redirectUrl\'s origin')
})
