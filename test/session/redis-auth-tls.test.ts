// SPEC §3 Redis credentials and TLS, against real redis-server processes built from the same
// configuration `serve` reads: rediss:// with a private CA, and redisUsername/redisPassword/
// redisTls for Cluster (the same client options serve Sentinel). Verification stays on: a
// server whose certificate the proxy cannot verify is unreachable, never trusted blindly.
import t, { type Test } from 'tap'
import { resolveConfig } from '../../src/config/index.js'
import { createStoreFromConfig } from '../../src/session/create-store.js'
import type { SessionStore } from '../../src/session/store.js'
import { makeSelfSignedCert } from '../helpers/certs.js'
import { testConfig } from '../helpers/stack.js'
import { startRedis } from './redis-helpers.js'

function storeFrom (t: Test, redis: Record<string, unknown>): SessionStore {
  const store = createStoreFromConfig(testConfig(redis), { now: Date.now, onError: () => {} })
  t.teardown(() => store.close())
  return store
}

// A store that cannot connect keeps failing; one that can answers within a few tries.
async function reachable (store: SessionStore): Promise<boolean> {
  for (let i = 0; i < 40; i++) {
    try {
      await store.ping()
      return true
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  return false
}

t.test('rediss:// is verified against redisCaFile', async (t) => {
  const cert = await makeSelfSignedCert(t)
  const redis = await startRedis(t, { tls: cert })
  const trusted = storeFrom(t, { redisUrl: `rediss://127.0.0.1:${redis.port}`, redisCaFile: cert.certFile })
  t.ok(await reachable(trusted), 'with the CA: connected over TLS')
  await trusted.set('k', Buffer.from('v'), 10_000, 'u1')
  t.same(await trusted.get('k'), Buffer.from('v'), 'and used')
  await trusted.delete('k', 'u1')

  const untrusted = storeFrom(t, { redisUrl: `rediss://127.0.0.1:${redis.port}` })
  t.notOk(await reachable(untrusted), 'without the CA: the self-signed certificate is refused')
})

t.test('Cluster with redisPassword: the right one connects, a wrong one does not', async (t) => {
  const redis = await startRedis(t, { cluster: true, password: 'cluster-pass' })
  const right = storeFrom(t, { redisClusterNodes: `127.0.0.1:${redis.port}`, redisPassword: 'cluster-pass', redisKeyPrefix: 'aapa:' })
  t.ok(await reachable(right), 'authenticated')
  await right.set('{a}:s', Buffer.from('v'), 10_000, 'u1')
  t.same(await right.get('{a}:s'), Buffer.from('v'))
  t.equal(await right.deleteUserSessions('u1'), 1)

  const wrong = storeFrom(t, { redisClusterNodes: `127.0.0.1:${redis.port}`, redisPassword: 'not-it' })
  t.notOk(await reachable(wrong), 'a wrong password never gets a connection')
})

t.test('Cluster over TLS with redisTls and redisCaFile', async (t) => {
  const cert = await makeSelfSignedCert(t)
  const redis = await startRedis(t, { cluster: true, tls: cert })
  const store = storeFrom(t, { redisClusterNodes: `127.0.0.1:${redis.port}`, redisTls: true, redisCaFile: cert.certFile, redisKeyPrefix: 'aapt:' })
  t.ok(await reachable(store), 'connected to the TLS cluster')
  await store.set('{b}:s', Buffer.from('w'), 10_000, 'u2')
  t.same(await store.get('{b}:s'), Buffer.from('w'))
  await store.delete('{b}:s', 'u2')
})

t.test('the credential options are refused where they would be ignored', async (t) => {
  const base = {
    upstream: 'http://127.0.0.1:1',
    clientId: 'c',
    clientSecret: 's',
    redirectUrl: 'http://127.0.0.1:1/oauth2/callback',
    cookieSecret: 'test-cookie-secret-0123456789-abcdefghij',
    cookieSecure: false
  }
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ redisUrl: 'redis://127.0.0.1:6379', redisPassword: 'x' }, /redisPassword: not used with redisUrl/],
    [{ redisUrl: 'redis://127.0.0.1:6379', redisTls: true }, /redisTls: not used with redisUrl/],
    [{ redisPassword: 'x' }, /redisPassword: has no effect without redisSentinels or redisClusterNodes/],
    [{ redisClusterNodes: '127.0.0.1:7000', redisCaFile: '/ca.pem' }, /redisCaFile: TLS is off/]
  ]
  for (const [redis, problem] of cases) {
    const resolved = resolveConfig({ ...base, ...redis })
    t.equal(resolved.ok, false, JSON.stringify(redis))
    if (!resolved.ok) t.match(resolved.problems.join('\n'), problem)
  }
  const ok = resolveConfig({ ...base, redisClusterNodes: '127.0.0.1:7000', redisUsername: 'app', redisPassword: 'x', redisTls: true })
  t.equal(ok.ok, true, 'Cluster with user, password and TLS is a valid configuration')
})
