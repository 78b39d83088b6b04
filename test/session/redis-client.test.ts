// createRedisClient builds without connecting (lazyConnect), so the options each shape ends up
// with can be read back from the client; the network behaviour is in redis-store.test.ts and
// redis-cluster.test.ts.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { Cluster, Redis } from 'ioredis'
import { createRedisClient, type RedisClientOptions } from '../../src/session/redis-client.js'

const TIMEOUTS = { commandTimeoutMs: 500, connectTimeoutMs: 700 }

function build (t: Test, options: Partial<RedisClientOptions>) {
  const client = createRedisClient({ ...TIMEOUTS, ...options })
  t.teardown(() => client.disconnect())
  return client
}

async function caFile (t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'aap-ca-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const file = join(dir, 'ca.pem')
  await writeFile(file, '-----BEGIN CERTIFICATE-----\ntest\n-----END CERTIFICATE-----\n')
  return file
}

t.test('a redis:// URL: host, port, credentials and db; bounded and fail-closed', async (t) => {
  const client = build(t, { url: 'redis://app%40x:p%3Ass%2F@redis.internal:6390/3' })
  t.ok(client instanceof Redis)
  t.equal(client.status, 'wait', 'built without connecting')
  t.match((client as Redis).options, {
    host: 'redis.internal',
    port: 6390,
    username: 'app@x',
    password: 'p:ss/',
    db: 3,
    tls: undefined,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 500,
    connectTimeout: 700
  })
  const retry = (client as Redis).options.retryStrategy!
  t.same([1, 5, 100, 10_000].map((n) => retry(n)), [100, 500, 2000, 2000], 'reconnects forever, at most 2 s apart')
  const reconnect = (client as Redis).options.reconnectOnError!
  t.ok(reconnect(new Error('READONLY You can\'t write against a read only replica.')), 'follows a failover')
  t.notOk(reconnect(new Error('WRONGTYPE')))
})

t.test('connection errors are never unhandled, with or without onError', async (t) => {
  const quiet = build(t, { url: 'redis://h' })
  t.doesNotThrow(() => quiet.emit('error', new Error('ECONNREFUSED')), 'an EventEmitter without a listener would throw')
  const seen: Error[] = []
  const cluster = build(t, { clusterNodes: [{ host: 'c', port: 1 }], onError: (err) => seen.push(err) })
  cluster.emit('error', new Error('a'))
  cluster.emit('node error', new Error('b'), 'c:1')
  t.same(seen.map((err) => err.message), ['a', 'b'], 'a Cluster reports node errors too')
})

t.test('defaults: port 6379, db 0, no credentials; IPv6 literals', async (t) => {
  t.match((build(t, { url: 'redis://localhost' }) as Redis).options, { host: 'localhost', port: 6379, db: 0, username: undefined, password: undefined })
  t.match((build(t, { url: 'redis://[::1]:7000/' }) as Redis).options, { host: '::1', port: 7000, db: 0 })
  t.match((build(t, { url: 'redis://:secret@h' }) as Redis).options, { username: undefined, password: 'secret' })
})

t.test('rediss:// turns TLS on, with the system CAs or a CA bundle', async (t) => {
  t.same((build(t, { url: 'rediss://h' }) as Redis).options.tls, {})
  const file = await caFile(t)
  const tls = (build(t, { url: 'rediss://h', caFile: file }) as Redis).options.tls
  t.match(String(tls?.ca), /BEGIN CERTIFICATE/)
  t.notOk(tls !== undefined && 'rejectUnauthorized' in tls, 'verification is never turned off')
})

t.test('Sentinel: master name, credentials and TLS for the data nodes', async (t) => {
  const client = build(t, {
    sentinels: [{ host: 's1', port: 26379 }, { host: 's2', port: 26380 }],
    sentinelMaster: 'mymaster',
    username: 'u',
    password: 'p',
    tls: true,
    caFile: await caFile(t)
  }) as Redis
  t.match(client.options, {
    sentinels: [{ host: 's1', port: 26379 }, { host: 's2', port: 26380 }],
    name: 'mymaster',
    username: 'u',
    password: 'p',
    enableTLSForSentinelMode: true,
    enableOfflineQueue: false,
    commandTimeout: 500
  })
  t.match(String(client.options.tls?.ca), /BEGIN CERTIFICATE/)
  t.equal(client.options.sentinelRetryStrategy!(50), 2000)
  t.match((build(t, { sentinels: [{ host: 's', port: 1 }], sentinelMaster: 'm' }) as Redis).options,
    { tls: undefined, enableTLSForSentinelMode: false })
})

t.test('Cluster: the same bounds on every node', async (t) => {
  const client = build(t, { clusterNodes: [{ host: 'c1', port: 7000 }], password: 'p', tls: true }) as Cluster
  t.ok(client instanceof Cluster)
  t.match(client.options, {
    lazyConnect: true,
    enableOfflineQueue: false,
    slotsRefreshTimeout: 700,
    redisOptions: { password: 'p', tls: {}, commandTimeout: 500, maxRetriesPerRequest: 1, enableOfflineQueue: false }
  })
  t.equal(client.options.clusterRetryStrategy!(50), 2000)
  t.equal(client.options.clusterNodeRetryStrategy!(1), 100)
  const looked = await new Promise((resolve) => client.options.dnsLookup!('c1.example', (_err, address) => resolve(address)))
  t.equal(looked, 'c1.example', 'TLS keeps host names for certificate checks')
  const plain = build(t, { clusterNodes: [{ host: 'c1', port: 7000 }] }) as Cluster
  t.equal(plain.options.redisOptions?.tls, undefined)
})

t.test('unusable settings are refused at once, and never echo the URL', async (t) => {
  const file = await caFile(t)
  const bad: Array<[string, Partial<RedisClientOptions>]> = [
    ['no store at all', {}],
    ['URL and Sentinels', { url: 'redis://h', sentinels: [{ host: 's', port: 1 }], sentinelMaster: 'm' }],
    ['URL and Cluster', { url: 'redis://h', clusterNodes: [{ host: 'c', port: 1 }] }],
    ['not a URL', { url: 'not a url :secret@' }],
    ['another scheme', { url: 'http://user:secret@h' }],
    ['no host', { url: 'redis://' }],
    ['a query', { url: 'redis://h?password=secret' }],
    ['a fragment', { url: 'redis://h#secret' }],
    ['a named db', { url: 'redis://h/secret' }],
    ['a nested path', { url: 'redis://h/0/1' }],
    ['no Sentinel', { sentinels: [], sentinelMaster: 'm' }],
    ['no master name', { sentinels: [{ host: 's', port: 1 }] }],
    ['an empty master name', { sentinels: [{ host: 's', port: 1 }], sentinelMaster: '' }],
    ['no Cluster node', { clusterNodes: [] }],
    ['a CA without TLS', { url: 'redis://h', caFile: file }],
    ['an unreadable CA', { url: 'rediss://h', caFile: join(file, 'missing') }]
  ]
  for (const [name, options] of bad) {
    t.throws(() => createRedisClient({ ...TIMEOUTS, ...options }), { code: 'AAP_ERR_STORE_CONFIG_INVALID' }, name)
    try {
      createRedisClient({ ...TIMEOUTS, ...options })
    } catch (err) {
      t.notMatch((err as Error).message, /secret/, `${name}: no secret in the message`)
    }
  }
})
