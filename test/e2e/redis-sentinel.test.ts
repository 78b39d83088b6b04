// SPEC §7: with Redis behind Sentinel, the proxy follows a failover without a restart. While the
// master is gone it fails closed (503, never a pass-through, never a crash); once Sentinel has
// promoted the replica, sessions it holds still work and new logins succeed. The store is built
// from configuration exactly as `serve` builds it (createStoreFromConfig).
import t from 'tap'
import { request } from 'undici'
import { createStoreFromConfig } from '../../src/session/create-store.js'
import { Browser, signIn } from '../helpers/browser.js'
import { startStack, testConfig } from '../helpers/stack.js'
import { until } from '../session/redis-helpers.js'
import {
  failoverCompleted, foreignConnections, killRedis, masterAddress, probeClient, startSentinelGroup
} from '../session/sentinel-helpers.js'

// A failover takes down-after (0.5 s) plus Sentinel's election, promotion and announcement: a few seconds.
const FAILOVER_TIMEOUT_MS = 20_000
// ioredis asks the Sentinel again within its reconnect backoff (at most 2 s).
const FOLLOW_TIMEOUT_MS = 15_000

// A Redis connection the store fails to close keeps this process alive after the last test:
// fail within a minute instead of at the suite's limit.
t.setTimeout(60_000)

interface Seen {
  status: number
  userId: string | undefined
}

function cookieHeader (browser: Browser, url: string): string {
  return [...browser.cookies(url)].map(([k, v]) => `${k}=${v}`).join('; ')
}

async function getHeaders (proxyUrl: string, cookie: string): Promise<Seen> {
  const res = await request(`${proxyUrl}/headers`, { headers: { cookie, accept: 'application/json' } })
  if (res.statusCode !== 200) {
    await res.body.dump()
    return { status: res.statusCode, userId: undefined }
  }
  const echoed = await res.body.json() as Record<string, string | undefined>
  return { status: 200, userId: echoed['x-user-id'] }
}

async function statusOf (url: string): Promise<number> {
  const res = await request(url)
  await res.body.dump()
  return res.statusCode
}

t.test('the proxy follows a Sentinel failover: fails closed meanwhile, serves old and new logins after', async (t) => {
  const group = await startSentinelGroup(t)
  const redisOptions = { redisSentinels: `127.0.0.1:${group.sentinel.port}`, redisSentinelMaster: group.masterName }

  const config = testConfig(redisOptions)
  t.equal(config.sessionStore, 'redis', 'Sentinel settings select the Redis store')
  const store = createStoreFromConfig(config, { now: Date.now, onError: () => {} })
  t.teardown(() => store.close())
  const stack = await startStack(t, { sharedStore: store, config: redisOptions })

  const before = new Browser()
  t.equal((await signIn(before, stack.proxyUrl)).status, 302, 'signed in through the Sentinel-resolved master')
  const oldCookie = cookieHeader(before, stack.proxyUrl)
  t.same(await getHeaders(stack.proxyUrl, oldCookie), { status: 200, userId: '1001' }, 'proxied with the identity')

  // Replication is asynchronous: a session the replica never received is lost in a failover
  // (SPEC §7). WAIT makes this one replicated, so it must survive.
  const master = probeClient(t, group.master.port)
  t.equal(await master.call('WAIT', '1', '5000'), 1, 'the replica acknowledged every write')

  const sentinel = probeClient(t, group.sentinel.port)
  t.same(await masterAddress(sentinel, group.masterName), { host: '127.0.0.1', port: group.master.port }, 'Sentinel names the first master')
  await killRedis(group.master)

  const seen: Seen[] = []
  const health: number[] = []
  const observe = async (): Promise<Seen> => {
    const answer = await getHeaders(stack.proxyUrl, oldCookie)
    seen.push(answer)
    health.push(await statusOf(`${stack.proxyUrl}/healthz`))
    return answer
  }
  // Until the end of the failover, not just the promotion: the store reconnects once more when
  // Sentinel announces the switch, and answers 503 for that moment too.
  await until(async () => {
    await observe()
    return await failoverCompleted(sentinel, group.masterName, group.replica.port)
  }, FAILOVER_TIMEOUT_MS)
  t.same(await masterAddress(sentinel, group.masterName), { host: '127.0.0.1', port: group.replica.port },
    'Sentinel promoted the replica')
  const followed = await until(async () => (await observe()).status === 200, FOLLOW_TIMEOUT_MS).then(() => true, () => false)
  t.ok(followed, 'the proxy serves the session again without a restart')
  // Nothing after this means anything while the store is stuck on the dead master.
  if (!followed) return

  t.ok(seen.some((answer) => answer.status === 503), 'the outage was answered with 503 (fail closed)')
  t.same(seen.filter((answer) => answer.status !== 503 && !(answer.status === 200 && answer.userId === '1001')), [],
    'every answer meanwhile was 503, or 200 for the session\'s own user: never a pass-through or a sign-out')
  t.ok(health.every((status) => status === 200), '/healthz stayed 200: the process never went down')
  t.equal(await statusOf(`${stack.proxyUrl}/readyz`), 200, '/readyz is ready again after the failover')

  // The session written before the failover was replicated (WAIT above), so it lives on.
  t.same(await getHeaders(stack.proxyUrl, oldCookie), { status: 200, userId: '1001' }, 'the replicated session still works')

  const after = new Browser()
  t.equal((await signIn(after, stack.proxyUrl)).status, 302, 'a new login succeeds on the promoted master')
  const newCookie = cookieHeader(after, stack.proxyUrl)
  t.not(newCookie, oldCookie, 'a session of its own')
  t.same(await getHeaders(stack.proxyUrl, newCookie), { status: 200, userId: '1001' }, 'the new session is proxied with the identity')
  const promoted = probeClient(t, group.replica.port)
  t.match(await promoted.info('replication'), /role:master/, 'the new session lives on the former replica, now master')

  // SPEC §10: a stopping proxy closes Redis, every connection of it: one left open (ioredis keeps
  // its Sentinel subscriptions after QUIT, ioredis #1362) keeps the process alive.
  t.ok(await foreignConnections(promoted) > 0, 'the store is connected to the promoted master')
  await store.close()
  const released = await until(async () =>
    await foreignConnections(promoted) === 0 && await foreignConnections(sentinel) === 0, 2_000
  ).then(() => true, () => false)
  t.ok(released, 'closing the store leaves no connection to the master or the Sentinel')
})
