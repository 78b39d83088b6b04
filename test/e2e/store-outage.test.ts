// SPEC §7 "store unreachable: fail closed": a private redis-server the test pauses, stops and
// starts again under a running proxy. Requests with a session cookie get 503, never a
// pass-through and never a hang; requests without one are answered as signed out; /readyz
// follows Redis; the proxy recovers without a restart.
import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import t from 'tap'
import { request } from 'undici'
import { buildApp } from '../../src/app.js'
import { createRedisClient } from '../../src/session/redis-client.js'
import { createRedisStore } from '../../src/session/redis-store.js'
import { Browser, signIn } from '../helpers/browser.js'
import { startStack, testConfig, waitReady } from '../helpers/stack.js'
import { freePort, hasRedisServer, startRedis, uniquePrefix, until } from '../session/redis-helpers.js'
import { countingStore } from './refresh-helpers.js'

async function get (url: string, headers: Record<string, string> = {}): Promise<{ status: number, headers: Record<string, unknown>, body: string }> {
  const res = await request(url, { headers })
  return { status: res.statusCode, headers: res.headers, body: await res.body.text() }
}

t.test('Redis paused, stopped and started again under a running proxy', async (t) => {
  // appendonly on a directory the test keeps: Redis comes back with its data, as a Redis with
  // persistence (or a replica promoted by Sentinel) does. Without it the user would simply be
  // signed out after the restart (SPEC §7), which the login test covers.
  const dir = await mkdtemp(join(tmpdir(), 'aap-outage-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const redis = await startRedis(t, { dir, appendonly: true })
  const client = createRedisClient({ url: `redis://127.0.0.1:${redis.port}`, commandTimeoutMs: 800, connectTimeoutMs: 1000 })
  const store = createRedisStore({ client, keyPrefix: 'aap:', sessionMaxAgeMs: 30 * 86_400_000 })
  t.teardown(() => store.close())
  await waitReady(store)
  const stack = await startStack(t, { sharedStore: store })
  const browser = new Browser()
  await signIn(browser, stack.proxyUrl)
  const cookie = [...browser.cookies(stack.proxyUrl)].map(([k, v]) => `${k}=${v}`).join('; ')
  const signedIn = { cookie, accept: 'application/json' }
  t.equal((await get(`${stack.proxyUrl}/headers`, signedIn)).status, 200)

  t.test('a hung Redis (SIGSTOP): bounded 503, never a hang', async (t) => {
    redis.process.kill('SIGSTOP')
    try {
      // Without the command timeout this request would wait until the test times out.
      const res = await get(`${stack.proxyUrl}/headers`, signedIn)
      t.equal(res.status, 503, 'a request with a session cookie gets 503')
      t.ok(Number(res.headers['retry-after']) > 0, 'with Retry-After')
      t.same(JSON.parse(res.body), { error: 'session_store_unavailable' })
      t.equal((await get(`${stack.proxyUrl}/readyz`)).status, 503, '/readyz is 503')
    } finally {
      redis.process.kill('SIGCONT')
    }
    await until(async () => (await get(`${stack.proxyUrl}/headers`, signedIn)).status === 200, 10_000)
    t.pass('the same cookie works again once Redis answers')
  })

  t.test('Redis stopped: protected routes and /readyz 503, signed-out requests unaffected', async (t) => {
    const exited = new Promise((resolve) => redis.process.once('exit', resolve))
    // SIGTERM: Redis flushes its append-only file and exits, as on a node drain.
    redis.process.kill('SIGTERM')
    await exited
    const seen = await get(`${stack.proxyUrl}/headers`, signedIn)
    t.equal(seen.status, 503, 'signed-in API request: 503, not a pass-through')
    const page = await get(`${stack.proxyUrl}/private`, { cookie, accept: 'text/html' })
    t.equal(page.status, 503, 'signed-in browser: 503')
    t.match(String(page.headers['content-type']), /text\/html/, 'as a page')
    t.equal((await get(`${stack.proxyUrl}/readyz`)).status, 503, '/readyz is 503')
    t.equal((await get(`${stack.proxyUrl}/healthz`)).status, 200, '/healthz stays 200')
    t.equal((await get(`${stack.proxyUrl}/private`, { accept: 'application/json' })).status, 401, 'no cookie: signed out, without the store')
    t.equal((await get(`${stack.proxyUrl}/oauth2/start`, { accept: 'text/html' })).status, 503, 'start answers 503')

    await startRedis(t, { port: redis.port, dir, appendonly: true })
    await until(async () => (await get(`${stack.proxyUrl}/readyz`)).status === 200, 10_000)
    const back = await get(`${stack.proxyUrl}/headers`, signedIn)
    t.equal(back.status, 200, 'started again: the same cookie works, no proxy restart')
    t.equal((JSON.parse(back.body) as Record<string, string>)['x-user-id'], '1001')
    const fresh = new Browser()
    t.equal((await signIn(fresh, stack.proxyUrl)).status, 302, 'and new logins work')
  })
})

t.test('the proxy starts while Redis is unreachable, fails closed, and recovers when Redis appears', { skip: !hasRedisServer() }, async (t) => {
  // A proxy on the memory store only to mint a session cookie: the ticket is sealed with the
  // cookie secret both proxies share, so the second one must look it up in its (absent) Redis.
  const minting = await startStack(t)
  const minted = new Browser()
  await signIn(minted, minting.proxyUrl)
  const cookie = [...minted.cookies(minting.proxyUrl)].map(([k, v]) => `${k}=${v}`).join('; ')

  const redisPort = await freePort()
  const client = createRedisClient({ url: `redis://127.0.0.1:${redisPort}`, commandTimeoutMs: 800, connectTimeoutMs: 1000 })
  const { store, counts } = countingStore(createRedisStore({ client, keyPrefix: uniquePrefix(), sessionMaxAgeMs: 30 * 86_400_000 }))
  t.teardown(() => store.close())
  const proxyPort = await freePort()
  const proxyUrl = `http://127.0.0.1:${proxyPort}`
  const clientId = `client-${randomUUID()}`
  await request(`${minting.simulatorUrl}/__control/clients`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: clientId, client_secret: 'test-secret', redirect_uri: `${proxyUrl}/oauth2/callback` })
  }).then((res) => res.body.dump())
  const config = testConfig({
    upstream: minting.upstreamUrl,
    providerUrl: minting.simulatorUrl,
    clientId,
    clientSecret: 'test-secret',
    redirectUrl: `${proxyUrl}/oauth2/callback`,
    listen: `127.0.0.1:${proxyPort}`
  })
  const proxy = await buildApp(config, { store, logger: pino({ level: 'silent' }) })
  t.teardown(() => proxy.close())
  await proxy.listen({ port: proxyPort, host: '127.0.0.1' })
  t.pass('started with Redis unreachable')

  const started = performance.now()
  const api = await get(`${proxyUrl}/headers`, { cookie, accept: 'application/json' })
  t.equal(api.status, 503, 'a request with a session cookie: 503')
  t.ok(performance.now() - started < 1_500, 'answered within the command timeout, not hung')
  t.same(JSON.parse(api.body), { error: 'session_store_unavailable' })
  t.ok(Number(api.headers['retry-after']) > 0, 'with Retry-After')
  const page = await get(`${proxyUrl}/private`, { cookie, accept: 'text/html' })
  t.equal(page.status, 503, 'a browser with a session cookie: 503')
  t.match(String(page.headers['content-type']), /text\/html/, 'as a page')
  t.equal((await get(`${proxyUrl}/readyz`)).status, 503, '/readyz is 503')
  t.equal((await get(`${proxyUrl}/healthz`)).status, 200, '/healthz is 200')

  counts.clear()
  const signedOutApi = await get(`${proxyUrl}/private`, { accept: 'application/json' })
  t.equal(signedOutApi.status, 401, 'no cookie, API: 401')
  const signedOutPage = await get(`${proxyUrl}/private`, { accept: 'text/html' })
  t.equal(signedOutPage.status, 302, 'no cookie, browser: 302 to sign in')
  t.equal(signedOutPage.headers.location, '/oauth2/sign_in?rd=%2Fprivate')
  t.same(Object.fromEntries(counts), {}, 'without touching the store')

  await startRedis(t, { port: redisPort })
  await until(async () => (await get(`${proxyUrl}/readyz`)).status === 200, 10_000)
  t.pass('Redis appeared: /readyz 200 without a restart')
  const unknown = await get(`${proxyUrl}/headers`, { cookie, accept: 'application/json' })
  t.equal(unknown.status, 401, 'a cookie whose session this Redis never held: simply signed out')
  const browser = new Browser()
  t.equal((await signIn(browser, proxyUrl)).status, 302, 'logins work')
  const cookieNow = [...browser.cookies(proxyUrl)].map(([k, v]) => `${k}=${v}`).join('; ')
  const served = await get(`${proxyUrl}/headers`, { cookie: cookieNow, accept: 'application/json' })
  t.equal(served.status, 200, 'and the new session serves')
  t.equal((JSON.parse(served.body) as Record<string, string>)['x-user-id'], '1001')
})
