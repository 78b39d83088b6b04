// SPEC §4 GET <authPrefix>/topup: AIHubMix's top-up URL for the user, 302 there, only to the
// provider's hosts or an allowed domain; a 401 from AIHubMix gets one refresh try before the
// session ends (SPEC §7, the rule userinfo follows); signed out: as any protected route.
import { createServer, request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import { Browser, signIn } from '../helpers/browser.js'
import { startStack, type Stack } from '../helpers/stack.js'
import { buildSimulator, type Simulator } from '../../src/simulator/app.js'
import { calls, control, cookieOf, get } from './refresh-helpers.js'

const PAGE = { accept: 'text/html' }

// AIHubMix behind a front end that names it by another host: the simulator builds topup_url
// from the Host it is given, so its answer points there.
async function renamingFront (t: Test, simulatorUrl: string, host: string): Promise<string> {
  const target = new URL(simulatorUrl)
  const server = createServer((req, res) => {
    const upstream = httpRequest({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: { ...req.headers, host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(res)
    })
    upstream.on('error', () => res.destroy())
    req.pipe(upstream)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

async function signedIn (t: Test, config: Record<string, unknown> = {}, simulator?: Simulator): Promise<{ stack: Stack, cookie: string }> {
  const stack = await startStack(t, { store: 'redis', config, ...(simulator === undefined ? {} : { simulator }) })
  const browser = new Browser()
  await signIn(browser, stack.proxyUrl)
  return { stack, cookie: cookieOf(browser, stack) }
}

t.test('signed in: 302 to the top-up page AIHubMix names', async (t) => {
  const { stack, cookie } = await signedIn(t)
  const res = await get(`${stack.proxyUrl}/oauth2/topup`, { cookie, ...PAGE })
  t.equal(res.status, 302)
  t.equal(res.headers.location, `${stack.simulatorUrl}/topup`)
  t.equal(res.headers['cache-control'], 'no-store')
})

t.test('one 401 from AIHubMix: one refresh, then the top-up page; the session lives on', async (t) => {
  const { stack, cookie } = await signedIn(t)
  await control(stack, 'faults', { endpoint: 'topup', mode: 'status', status: 401, times: 1 })
  await control(stack, 'calls/reset', {})
  const res = await get(`${stack.proxyUrl}/oauth2/topup`, { cookie, ...PAGE })
  t.equal(res.status, 302, 'recovered by one refresh')
  t.equal(res.headers.location, `${stack.simulatorUrl}/topup`)
  const seen = await calls(stack)
  t.equal(seen.token_refresh_token, 1, 'exactly one refresh')
  t.equal(seen.topup, 2, 'and the call retried once')
  t.equal((await get(`${stack.proxyUrl}/headers`, { cookie })).status, 200, 'still signed in')
})

t.test('401 again after the refresh: the session ends', async (t) => {
  const { stack, cookie } = await signedIn(t)
  await control(stack, 'faults', { endpoint: 'topup', mode: 'status', status: 401, times: 2 })
  await control(stack, 'calls/reset', {})
  const res = await get(`${stack.proxyUrl}/oauth2/topup`, { cookie, ...PAGE })
  t.equal(res.status, 302)
  t.equal(res.headers.location, '/oauth2/sign_in?rd=%2Foauth2%2Ftopup', 'sent to sign in')
  t.match(String(res.headers['set-cookie']), /_aihubmix_auth=;/, 'the cookie is cleared')
  t.equal((await calls(stack)).token_refresh_token, 1, 'after one refresh try')
  t.equal((await get(`${stack.proxyUrl}/headers`, { cookie, accept: 'application/json' })).status, 401, 'the session is gone')
})

t.test('a revoked grant: the refresh is refused and the session ends', async (t) => {
  const { stack, cookie } = await signedIn(t)
  await control(stack, 'revoke', { user_id: 1001, client_id: stack.config.clientId })
  const res = await get(`${stack.proxyUrl}/oauth2/topup`, { cookie, accept: 'application/json' })
  t.equal(res.status, 401)
  t.match(JSON.parse(res.body), { error: 'unauthorized', login_url: '/oauth2/start?rd=%2Foauth2%2Ftopup' })
  t.equal((await get(`${stack.proxyUrl}/headers`, { cookie, accept: 'application/json' })).status, 401, 'the session is gone')
})

t.test('a top-up URL on a host that is neither the provider\'s nor allowed: refused with the 502 page', async (t) => {
  const simulator = await buildSimulator()
  const simulatorUrl = await simulator.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => simulator.close())
  const front = await renamingFront(t, simulatorUrl, 'pay.elsewhere.example')
  const { stack, cookie } = await signedIn(t, { topupUrl: `${front}/api/oauth2/topup` }, simulator)
  const res = await get(`${stack.proxyUrl}/oauth2/topup`, { cookie, ...PAGE })
  t.equal(res.status, 502, 'not followed')
  t.equal(res.headers.location, undefined)
  t.match(String(res.headers['content-type']), /text\/html/, 'a page')
  t.notMatch(res.body, /elsewhere/, 'the refused URL is not shown')
  t.ok(stack.logs.some((line) => line.includes('"outcome":"host_refused"') && line.includes('pay.elsewhere.example')), 'logged with its host')
  t.equal((await get(`${stack.proxyUrl}/headers`, { cookie })).status, 200, 'the session is kept')

  const allowed = await signedIn(t, { topupUrl: `${front}/api/oauth2/topup`, allowedRedirectDomains: '.elsewhere.example' }, simulator)
  const ok = await get(`${allowed.stack.proxyUrl}/oauth2/topup`, { cookie: allowed.cookie, ...PAGE })
  t.equal(ok.status, 302, 'an allowed domain is followed')
  t.equal(ok.headers.location, 'http://pay.elsewhere.example/topup')
})

t.test('signed out: as any protected route', async (t) => {
  const stack = await startStack(t)
  const page = await get(`${stack.proxyUrl}/oauth2/topup`, PAGE)
  t.equal(page.status, 302, 'a browser is sent to sign in')
  t.equal(page.headers.location, '/oauth2/sign_in?rd=%2Foauth2%2Ftopup')
  const api = await get(`${stack.proxyUrl}/oauth2/topup`, { accept: 'application/json' })
  t.equal(api.status, 401)
  t.same(JSON.parse(api.body), { error: 'unauthorized', login_url: '/oauth2/start?rd=%2Foauth2%2Ftopup' })
  t.equal((await calls(stack)).topup, 0, 'AIHubMix is not asked')
})
