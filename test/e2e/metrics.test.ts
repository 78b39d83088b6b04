// SPEC §10 metrics, as an operator scrapes them: the proxy started the way `serve` starts it
// (startProxy), metrics on their own port, counted after a login, a refresh, a proxied request
// and an upstream failure. The proxy's own port never serves them.
import { Writable } from 'node:stream'
import t from 'tap'
import { request } from 'undici'
import { startProxy } from '../../src/cli/serve-app.js'
import { resolveConfig } from '../../src/config/index.js'
import { buildDemoUpstream } from '../../src/demo/upstream.js'
import { buildSimulator } from '../../src/simulator/app.js'
import { Browser, signIn } from '../helpers/browser.js'
import { COOKIE_SECRET } from '../helpers/stack.js'
import { freePort } from '../session/redis-helpers.js'

function sample (text: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`)
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{') && !line.startsWith(name + ' ')) continue
    const labelPart = line.slice(name.length).split(' ')[0] ?? ''
    if (wanted.every((w) => labelPart.includes(w))) return Number(line.split(' ').at(-1))
  }
  return 0
}

t.test('a login, a refresh, a proxied request and an upstream failure are counted on metricsListen', async (t) => {
  const simulator = await buildSimulator()
  const simulatorUrl = await simulator.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => simulator.close())
  const upstream = await buildDemoUpstream()
  const upstreamUrl = await upstream.listen({ port: 0, host: '127.0.0.1' })
  const port = await freePort()
  const proxyUrl = `http://127.0.0.1:${port}`
  await request(`${simulatorUrl}/__control/clients`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: 'metrics-client', client_secret: 'metrics-secret', redirect_uri: `${proxyUrl}/oauth2/callback` })
  })
  const resolved = resolveConfig({
    upstream: upstreamUrl,
    providerUrl: simulatorUrl,
    clientId: 'metrics-client',
    clientSecret: 'metrics-secret',
    redirectUrl: `${proxyUrl}/oauth2/callback`,
    cookieSecret: COOKIE_SECRET,
    cookieSecure: false,
    listen: `127.0.0.1:${port}`,
    metricsListen: '127.0.0.1:0',
    logLevel: 'silent'
  })
  if (!resolved.ok) throw new Error(resolved.problems.join('\n'))
  const clock = { offset: 0 }
  const stdout = new Writable({ write (_c, _e, cb) { cb() } })
  const proxy = await startProxy(resolved.config, { stdout }, { now: () => Date.now() + clock.offset })
  t.teardown(() => proxy.close())
  t.ok(proxy.metricsUrl, 'metrics are served')
  const scrape = async (): Promise<string> => {
    const res = await request(proxy.metricsUrl ?? '')
    t.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/)
    return await res.body.text()
  }

  const browser = new Browser()
  t.equal((await signIn(browser, proxyUrl)).status, 302)
  t.equal((await browser.fetch(`${proxyUrl}/headers`)).status, 200)
  clock.offset += 7201 * 1000
  t.equal((await browser.fetch(`${proxyUrl}/headers`)).status, 200, 'served after a refresh')
  await upstream.close()
  t.equal((await browser.fetch(`${proxyUrl}/headers`, { headers: { accept: 'application/json' } })).status, 502, 'upstream down')

  const text = await scrape()
  t.equal(sample(text, 'aihubmix_auth_proxy_logins_total', { outcome: 'ok' }), 1, 'the login')
  t.equal(sample(text, 'aihubmix_auth_proxy_token_refreshes_total', { outcome: 'ok' }), 1, 'the refresh')
  t.equal(sample(text, 'aihubmix_auth_proxy_requests_total', { kind: 'proxy', method: 'GET', status: '200' }), 2, 'the proxied requests')
  t.equal(sample(text, 'aihubmix_auth_proxy_requests_total', { kind: 'proxy', status: '502' }), 1, 'the failed one')
  t.equal(sample(text, 'aihubmix_auth_proxy_upstream_errors_total', { kind: 'connect' }), 1, 'the upstream failure')
  t.ok(sample(text, 'aihubmix_auth_proxy_provider_request_duration_seconds_count', { endpoint: 'token', outcome: 'ok' }) >= 1, 'the code exchange is timed')
  t.ok(sample(text, 'aihubmix_auth_proxy_provider_request_duration_seconds_count', { endpoint: 'refresh', outcome: 'ok' }) >= 1, 'the refresh call is timed')
  t.ok(sample(text, 'aihubmix_auth_proxy_request_duration_seconds_count', { kind: 'auth' }) >= 2, 'auth requests are timed')
  t.match(text, /aihubmix_auth_proxy_process_resident_memory_bytes/, 'process metrics')
  const labelSets = text.split('\n').filter((l) => !l.startsWith('#')).map((l) => /\{[^}]*\}/.exec(l)?.[0] ?? '').join('\n')
  t.notMatch(labelSets, /1001|alice|\/headers/, 'no user id, name or path in any label')

  const onProxyPort = await browser.fetch(`${proxyUrl}/metrics`, { headers: { accept: 'application/json' } })
  t.notMatch(onProxyPort.body, /aihubmix_auth_proxy_/, 'the proxy port does not serve /metrics')
  const signedOut = await request(`${proxyUrl}/metrics`, { headers: { accept: 'application/json' } })
  t.equal(signedOut.statusCode, 401, 'it is just another protected path there')
  await signedOut.body.dump()
})
