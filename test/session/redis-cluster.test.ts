// SPEC §3 redisClusterNodes: the same store on a real Redis Cluster (one node owning every
// slot). Cluster refuses multi-key commands across slots (CROSSSLOT), so passing the contract
// here proves every command names one slot.
import { randomUUID } from 'node:crypto'
import t from 'tap'
import { Cluster } from 'ioredis'
import { sessionKeys, userIndexKey } from '../../src/session/keys.js'
import { createRedisClient } from '../../src/session/redis-client.js'
import { createRedisStore } from '../../src/session/redis-store.js'
import {
  freePort, hasRedisServer, rawClient, settlesWithin, startRedis, uniquePrefix, until
} from './redis-helpers.js'
import { runStoreContract } from './store-contract.js'

const skip = hasRedisServer() ? false : 'redis-server is not installed'

t.test('Redis Cluster', { skip }, async (t) => {
  const node = await startRedis(t, { cluster: true })

  t.test('contract', async (t) => {
    runStoreContract(t, async (t) => {
      const client = createRedisClient({
        clusterNodes: [{ host: '127.0.0.1', port: node.port }], commandTimeoutMs: 300, connectTimeoutMs: 300
      })
      t.ok(client instanceof Cluster)
      const store = createRedisStore({ client, keyPrefix: uniquePrefix(), sessionMaxAgeMs: 60_000 })
      t.teardown(() => store.close())
      await until(async () => await store.ping().then(() => true, () => false))
      return store
    })
  })

  t.test('the keys of one session share a hash slot; sessions spread out', async (t) => {
    const prefix = uniquePrefix()
    const raw = rawClient(t, prefix, node.port)
    const slot = async (key: string) => Number(await raw.call('CLUSTER', 'KEYSLOT', prefix + key))
    const one = sessionKeys(randomUUID())
    t.equal(await slot(one.data), await slot(one.lock))
    const slots = new Set<number>()
    for (let i = 0; i < 20; i++) slots.add(await slot(sessionKeys(randomUUID()).data))
    t.ok(slots.size > 10, 'different sessions land in different slots')
    t.not(await slot(userIndexKey('1')), await slot(userIndexKey('2')), 'so do user indexes')
  })
})

t.test('Cluster down: calls fail fast, then the store recovers once a node answers', { skip }, async (t) => {
  const port = await freePort()
  const client = createRedisClient({
    clusterNodes: [{ host: '127.0.0.1', port }], commandTimeoutMs: 300, connectTimeoutMs: 300
  })
  const store = createRedisStore({ client, keyPrefix: uniquePrefix(), sessionMaxAgeMs: 60_000 })
  t.teardown(() => store.close())
  const get = store.get(sessionKeys('x').data)
  t.ok(await settlesWithin(get, 1_500), 'answers within 1.5 s')
  await t.rejects(get, { code: 'AAP_ERR_STORE_UNAVAILABLE' })
  await startRedis(t, { port, cluster: true })
  await until(async () => await store.ping().then(() => true, () => false), 10_000)
  t.equal(await store.claimOnce('state:after', 60_000), true)
})
