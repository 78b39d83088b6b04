import { randomUUID } from 'node:crypto'
import t, { type Test } from 'tap'
import { sessionKeys } from '../../src/session/keys.js'
import { createRedisClient, type RedisClientOptions } from '../../src/session/redis-client.js'
import { createRedisStore } from '../../src/session/redis-store.js'
import { openSession, sealSession } from '../../src/session/seal.js'
import type { SessionStore } from '../../src/session/store.js'
import { createTicket, ticketKey } from '../../src/session/ticket.js'
import type { Session } from '../../src/session/types.js'
import {
  freePort, hasRedisServer, rawClient, SHARED_REDIS_URL, settlesWithin, startRedis, uniquePrefix, until
} from './redis-helpers.js'
import { runStoreContract } from './store-contract.js'

const TIMEOUTS = { commandTimeoutMs: 300, connectTimeoutMs: 300 }

function storeOn (t: Test, clientOptions: Partial<RedisClientOptions>, prefix = uniquePrefix()): SessionStore {
  const client = createRedisClient({ ...TIMEOUTS, ...clientOptions })
  const store = createRedisStore({ client, keyPrefix: prefix, sessionMaxAgeMs: 60_000 })
  t.teardown(() => store.close())
  return store
}

async function ready (store: SessionStore): Promise<void> {
  await until(async () => await store.ping().then(() => true, () => false))
}

t.test('contract on the shared Redis', async (t) => {
  runStoreContract(t, async (t) => {
    const prefix = uniquePrefix()
    rawClient(t, prefix)
    const store = storeOn(t, { url: SHARED_REDIS_URL }, prefix)
    await ready(store)
    return store
  })
})

t.test('a Redis dump holds no token, no email and no session id', async (t) => {
  const prefix = uniquePrefix()
  const raw = rawClient(t, prefix)
  const store = storeOn(t, { url: SHARED_REDIS_URL }, prefix)
  await ready(store)
  const ticket = createTicket((n) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + 11) & 0xff)))
  const secrets = { accessToken: `at-${randomUUID()}`, refreshToken: `rt-${randomUUID()}`, email: `${randomUUID()}@example.com` }
  const session: Session = {
    v: 1,
    userId: '4242',
    tokens: { accessToken: secrets.accessToken, refreshToken: secrets.refreshToken, expiresAt: 1, scope: 'profile balance' },
    user: { id: 4242, username: 'alice', email: secrets.email, quota: 1, used_quota: 0, balance_formatted: '1.00', status: 1 },
    userFetchedAt: 1,
    createdAt: 1,
    lastSeenAt: 1
  }
  const keys = sessionKeys(ticket.id)
  await store.set(keys.data, sealSession(session, ticketKey(ticket), keys.data), 60_000, session.userId)

  const names = await raw.keys(`${prefix}*`)
  t.equal(names.length, 2, 'the session and its user index')
  let dump = Buffer.from(names.join('\n'))
  for (const name of names) {
    const type = await raw.type(name)
    const values = type === 'string' ? [await raw.getBuffer(name)] : await raw.zrangeBuffer(name, 0, -1)
    dump = Buffer.concat([dump, ...values.filter((v): v is Buffer => v !== null)])
  }
  for (const secret of [...Object.values(secrets), ticket.id, ticket.key, '4242']) {
    t.notOk(dump.includes(secret), `${secret.slice(0, 3)}… is not in Redis`)
  }
  const blob = await raw.getBuffer(prefix + keys.data)
  t.same(blob === null ? undefined : openSession(blob, ticketKey(ticket), keys.data), session, 'the ticket opens it')
})

t.test('a command refused inside the getWithTtl pipeline rejects with AAP_ERR_STORE_UNAVAILABLE', async (t) => {
  const prefix = uniquePrefix()
  const raw = rawClient(t, prefix)
  const store = storeOn(t, { url: SHARED_REDIS_URL }, prefix)
  await ready(store)
  await raw.zadd(`${prefix}not-a-string`, 1, 'm')
  await t.rejects(store.getWithTtl('not-a-string'), { code: 'AAP_ERR_STORE_UNAVAILABLE', cause: { message: /WRONGTYPE/ } })
})

t.test('the database number of redisUrl is used', async (t) => {
  const prefix = uniquePrefix()
  const db5 = rawClient(t, prefix, 6379, 5)
  const db0 = rawClient(t, prefix, 6379, 0)
  const store = storeOn(t, { url: `${SHARED_REDIS_URL}/5` }, prefix)
  await ready(store)
  await store.claimOnce('state:db', 60_000)
  t.equal(await db5.exists(`${prefix}state:db`), 1)
  t.equal(await db0.exists(`${prefix}state:db`), 0)
})

t.test('Redis down: calls fail fast with AAP_ERR_STORE_UNAVAILABLE, then recover without a restart', async (t) => {
  const port = await freePort()
  const errors: Error[] = []
  const store = storeOn(t, { url: `redis://127.0.0.1:${port}`, onError: (err) => errors.push(err) })
  const get = store.get(sessionKeys('x').data)
  t.ok(await settlesWithin(get, 1_500), 'answers within 1.5 s')
  await t.rejects(get, { code: 'AAP_ERR_STORE_UNAVAILABLE', statusCode: 503 })
  await t.rejects(store.ping(), { code: 'AAP_ERR_STORE_UNAVAILABLE' })
  await until(() => errors.length > 0)
  t.match(errors[0], { code: 'ECONNREFUSED' }, 'connection errors reach onError')
  if (!hasRedisServer()) return t.comment('recovery not checked: redis-server is not installed')

  await startRedis(t, { port })
  await until(async () => await store.ping().then(() => true, () => false), 10_000)
  t.equal(await store.claimOnce('state:after', 60_000), true, 'serves again once Redis is back')
})

t.test('Redis hung: calls time out with AAP_ERR_STORE_UNAVAILABLE instead of waiting', { skip: !hasRedisServer() }, async (t) => {
  const redis = await startRedis(t)
  const store = storeOn(t, { url: `redis://127.0.0.1:${redis.port}` })
  await ready(store)
  redis.process.kill('SIGSTOP')
  const get = store.get(sessionKeys('x').data)
  t.ok(await settlesWithin(get, 1_500), 'answers within 1.5 s')
  await t.rejects(get, { code: 'AAP_ERR_STORE_UNAVAILABLE', cause: { message: /timed out/ } })
  redis.process.kill('SIGCONT')
  await until(async () => await store.ping().then(() => true, () => false), 10_000)
  t.equal(await store.get(sessionKeys('x').data), null)
})

t.test('Sentinels down: calls fail fast with AAP_ERR_STORE_UNAVAILABLE', async (t) => {
  const port = await freePort()
  const store = storeOn(t, { sentinels: [{ host: '127.0.0.1', port }], sentinelMaster: 'mymaster' })
  const get = store.get(sessionKeys('x').data)
  t.ok(await settlesWithin(get, 1_500), 'answers within 1.5 s')
  await t.rejects(get, { code: 'AAP_ERR_STORE_UNAVAILABLE' })
})

t.test('createRedisStore refuses a prefix that would break hash slots', async (t) => {
  const client = createRedisClient({ ...TIMEOUTS, url: SHARED_REDIS_URL })
  t.teardown(() => client.disconnect())
  t.throws(() => createRedisStore({ client, keyPrefix: 'a{b}:', sessionMaxAgeMs: 1 }), { code: 'AAP_ERR_STORE_CONFIG_INVALID' })
  t.throws(() => createRedisStore({ client, keyPrefix: 'a:', sessionMaxAgeMs: 0 }), { code: 'AAP_ERR_STORE_CONFIG_INVALID' })
})
