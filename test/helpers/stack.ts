// A real stack for end-to-end tests: the AIHubMix simulator, the demo upstream and the proxy,
// each on its own port 0 socket, with a store the caller picks (memory or the real Redis).
import { randomUUID } from 'node:crypto'
import { Writable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import type { Test } from 'tap'
import { Redis } from 'ioredis'
import { pino } from 'pino'
import { buildApp } from '../../src/app.js'
import { resolveConfig, type Config } from '../../src/config/index.js'
import { buildDemoUpstream } from '../../src/demo/upstream.js'
import { createLoggerOptions } from '../../src/observability/logger.js'
import { createMemoryStore } from '../../src/session/memory-store.js'
import { createRedisClient } from '../../src/session/redis-client.js'
import { createRedisStore } from '../../src/session/redis-store.js'
import type { SessionStore } from '../../src/session/store.js'
import { buildSimulator, type Simulator } from '../../src/simulator/app.js'

export const COOKIE_SECRET = 'test-cookie-secret-0123456789-abcdefghij'

/** A valid configuration for tests that build a proxy by hand; `overrides` win. */
export function testConfig (overrides: Record<string, unknown> = {}): Config {
  const resolved = resolveConfig({
    upstream: 'http://127.0.0.1:1',
    clientId: 'c',
    clientSecret: 's',
    redirectUrl: 'http://127.0.0.1:4180/oauth2/callback',
    cookieSecret: COOKIE_SECRET,
    cookieSecure: false,
    ...overrides
  })
  if (!resolved.ok) throw new Error(resolved.problems.join('\n'))
  return resolved.config
}

export interface Stack {
  simulator: Simulator
  simulatorUrl: string
  upstream: FastifyInstance
  upstreamUrl: string
  proxy: FastifyInstance
  proxyUrl: string
  config: Config
  logs: string[]
  store: SessionStore
}

export type StoreKind = 'memory' | 'redis'

export function makeStore (kind: StoreKind, prefix = `aap-test:${randomUUID()}:`): SessionStore {
  if (kind === 'memory') return createMemoryStore({ now: Date.now })
  const client = createRedisClient({ url: 'redis://127.0.0.1:6379', commandTimeoutMs: 1000, connectTimeoutMs: 1000 })
  return createRedisStore({ client, keyPrefix: prefix, sessionMaxAgeMs: 30 * 86_400_000 })
}

// The Redis client connects in the background; tests start once it answers.
export async function waitReady (store: SessionStore): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      await store.ping()
      return
    } catch (err) {
      if (i > 100) throw err
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }
}

// Tests share the machine's Redis: leave nothing behind.
export async function deleteKeys (prefix: string): Promise<void> {
  const redis = new Redis('redis://127.0.0.1:6379')
  try {
    let cursor = '0'
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
      cursor = next
      if (keys.length > 0) await redis.del(...keys)
    } while (cursor !== '0')
  } finally {
    redis.disconnect()
  }
}

export interface StackOptions {
  store?: StoreKind
  sharedStore?: SessionStore
  config?: Record<string, unknown>
  simulator?: Simulator
  // another replica of this stack: same simulator, OAuth2 client and redirectUrl
  replicaOf?: Stack
  // the proxy's clock (tests move it past token expiry instead of waiting)
  now?: () => number
}

export async function startStack (t: Test, options: StackOptions = {}): Promise<Stack> {
  if (options.replicaOf !== undefined) {
    const first = options.replicaOf
    return startStack(t, {
      ...options,
      replicaOf: undefined,
      simulator: first.simulator,
      config: { clientId: first.config.clientId, redirectUrl: first.config.redirectUrl.href, ...options.config }
    })
  }
  const simulator = options.simulator ?? await buildSimulator()
  const simulatorUrl = options.simulator === undefined
    ? await simulator.listen({ port: 0, host: '127.0.0.1' })
    : `http://127.0.0.1:${(simulator.server.address() as { port: number }).port}`
  const upstream = await buildDemoUpstream()
  const upstreamUrl = await upstream.listen({ port: 0, host: '127.0.0.1' })
  // The proxy's port is known only after listen, but redirect_uri must be registered before.
  const placeholder = await import('node:net').then(({ createServer }) => new Promise<number>((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port
      srv.close(() => resolve(port))
    })
  }))
  const proxyUrl = `http://127.0.0.1:${placeholder}`
  const clientId = `client-${randomUUID()}`
  await fetch(`${simulatorUrl}/__control/clients`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: clientId, client_secret: 'test-secret', redirect_uri: `${proxyUrl}/oauth2/callback` })
  })
  const resolved = resolveConfig({
    upstream: upstreamUrl,
    providerUrl: simulatorUrl,
    clientId,
    clientSecret: 'test-secret',
    redirectUrl: `${proxyUrl}/oauth2/callback`,
    cookieSecure: false,
    cookieSecret: COOKIE_SECRET,
    listen: `127.0.0.1:${placeholder}`,
    logLevel: 'debug',
    ...options.config
  })
  if (!resolved.ok) throw new Error(resolved.problems.join('\n'))
  const logs: string[] = []
  const sink = new Writable({ write (chunk, _enc, cb) { logs.push(String(chunk)); cb() } })
  const logger = pino(createLoggerOptions({ logLevel: 'debug' }), sink)
  const storePrefix = `aap-test:${randomUUID()}:`
  const store = options.sharedStore ?? makeStore(options.store ?? 'memory', storePrefix)
  await waitReady(store)
  const proxy = await buildApp(resolved.config, { store, logger, ...(options.now === undefined ? {} : { now: options.now }) })
  await proxy.listen({ port: placeholder, host: '127.0.0.1' })
  t.teardown(async () => {
    await proxy.close()
    if (options.sharedStore === undefined) await store.close()
    if (options.sharedStore === undefined && store.kind === 'redis') await deleteKeys(storePrefix)
    await upstream.close()
    if (options.simulator === undefined) await simulator.close()
  })
  return { simulator, simulatorUrl, upstream, upstreamUrl, proxy, proxyUrl, config: resolved.config, logs, store }
}
