// SPEC §3 redisClusterNodes, §7: the proxy on a real 3-master Redis Cluster started by the test,
// with the store built from configuration exactly as `serve` builds it. Logins, a refresh (a
// Lua script touching a session's data and lock: it would fail with CROSSSLOT if they were in
// different slots), sign-out and revoke-user all work across the masters.
import t from 'tap'
import { request } from 'undici'
import { Redis } from 'ioredis'
import { createStoreFromConfig } from '../../src/session/create-store.js'
import { Browser, signIn } from '../helpers/browser.js'
import { startStack, testConfig, waitReady } from '../helpers/stack.js'
import { startCluster } from '../session/redis-helpers.js'

t.test('logins, refreshes, sign-outs and revocation on a 3-master cluster', async (t) => {
  const nodes = await startCluster(t, 3)
  const config = testConfig({ redisClusterNodes: nodes.map((n) => `127.0.0.1:${n.port}`).join(','), redisKeyPrefix: 'aapc:' })
  t.equal(config.sessionStore, 'redis')
  const store = createStoreFromConfig(config, { now: Date.now, onError: () => {} })
  t.teardown(() => store.close())
  await waitReady(store)

  const clock = { offset: 0 }
  const stack = await startStack(t, { sharedStore: store, now: () => Date.now() + clock.offset })
  const admins = nodes.map((n) => new Redis({ host: '127.0.0.1', port: n.port }))
  t.teardown(() => { for (const a of admins) a.disconnect() })
  const sessionKeysPerNode = async (): Promise<string[][]> =>
    Promise.all(admins.map(async (a) => (await a.keys('aapc:{*}:s'))))

  // Log in until sessions sit on at least two masters: the cluster is really sharded.
  const browsers: Browser[] = []
  for (let i = 0; i < 30; i++) {
    const browser = new Browser()
    t.equal((await signIn(browser, stack.proxyUrl)).status, 302, `login ${i + 1}`)
    browsers.push(browser)
    if ((await sessionKeysPerNode()).filter((keys) => keys.length > 0).length >= 2) break
  }
  t.ok((await sessionKeysPerNode()).filter((keys) => keys.length > 0).length >= 2, 'sessions are spread over several masters')

  for (const [i, keys] of (await sessionKeysPerNode()).entries()) {
    for (const key of keys) {
      const dataSlot = Number(await admins[i]?.call('CLUSTER', 'KEYSLOT', key))
      const lockSlot = Number(await admins[i]?.call('CLUSTER', 'KEYSLOT', key.replace(/:s$/, ':lock')))
      t.equal(lockSlot, dataSlot, `a session's data and lock share one slot (${dataSlot})`)
    }
  }

  const cookieOf = (b: Browser): string => [...b.cookies(stack.proxyUrl)].map(([k, v]) => `${k}=${v}`).join('; ')
  const status = async (b: Browser): Promise<number> => {
    const res = await request(`${stack.proxyUrl}/headers`, { headers: { cookie: cookieOf(b), accept: 'application/json' } })
    await res.body.dump()
    return res.statusCode
  }
  for (const b of browsers) t.equal(await status(b), 200, 'every session is served')

  const before = await (await request(`${stack.simulatorUrl}/__control/calls`)).body.json() as Record<string, number>
  clock.offset += 7201 * 1000
  for (const b of browsers) t.equal(await status(b), 200, 'served after a refresh on the cluster')
  const after = await (await request(`${stack.simulatorUrl}/__control/calls`)).body.json() as Record<string, number>
  t.equal((after.token_refresh_token ?? 0) - (before.token_refresh_token ?? 0), browsers.length, 'one refresh per session')

  const [first, ...rest] = browsers as [Browser, ...Browser[]]
  const out = await request(`${stack.proxyUrl}/oauth2/sign_out`, { method: 'POST', headers: { cookie: cookieOf(first), origin: stack.proxyUrl } })
  await out.body.dump()
  t.equal(out.statusCode, 302)
  t.equal(await status(first), 401, 'signed out')
  for (const b of rest) t.equal(await status(b), 200, 'the other sessions stay')

  t.equal(await store.deleteUserSessions('1001'), rest.length, 'revoke-user ends the sessions on every master')
  for (const b of rest) t.equal(await status(b), 401, 'revoked')
})
