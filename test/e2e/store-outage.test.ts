// SPEC §7 "store unreachable: fail closed": a private redis-server the test pauses, stops and
// starts again under a running proxy. Requests with a session cookie get 503, never a
// pass-through and never a hang; requests without one are answered as signed out; /readyz
// follows Redis; the proxy recovers without a restart.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { request } from 'undici'
import { createRedisClient } from '../../src/session/redis-client.js'
import { createRedisStore } from '../../src/session/redis-store.js'
import { Browser, signIn } from '../helpers/browser.js'
import { startStack, waitReady } from '../helpers/stack.js'
import { startRedis, until } from '../session/redis-helpers.js'

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
