// Builds the ioredis client for one of the three Redis shapes of SPEC §3: standalone URL,
// Sentinel or Cluster. Every shape fails closed and bounded (SPEC §7): no offline queue, so a
// command sent while Redis is away fails at once instead of waiting; a command timeout, so a
// hung Redis answers 503 within a second; one retry per request. Reconnection never gives up
// (capped backoff), so the proxy recovers, follows a Sentinel failover or a Cluster topology
// change without a restart. Building connects to nothing and never throws for the network
// (lazyConnect); connection errors are events, passed to onError for the log.
import { readFileSync } from 'node:fs'
import type { ConnectionOptions } from 'node:tls'
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis'
import { StoreConfigInvalid } from '../errors.js'

export interface RedisNode {
  host: string
  port: number
}

export interface RedisClientOptions {
  /** redis:// or rediss:// (TLS), with optional user, password and /db */
  url?: string
  sentinels?: readonly RedisNode[]
  sentinelMaster?: string
  clusterNodes?: readonly RedisNode[]
  /** Sentinel and Cluster only (a URL carries its own): credentials and TLS for the data nodes */
  username?: string
  password?: string
  tls?: boolean
  /** PEM bundle that replaces the system CAs for TLS to Redis (and to Sentinels) */
  caFile?: string
  commandTimeoutMs: number
  connectTimeoutMs: number
  /** every connection error, for the log; without it they are swallowed, never unhandled */
  onError?: (err: Error) => void
}

export type RedisClient = Redis | Cluster

// Reconnect after 100 ms, 200 ms, ... at most 2 s apart, forever: quick after a blip, gentle on
// a Redis that is down for long, and never a reason to restart the proxy (SPEC §7).
const RECONNECT_STEP_MS = 100
const RECONNECT_MAX_MS = 2_000
const CONNECTION_NAME = 'aihubmix-auth-proxy'

function reconnectDelay (attempt: number): number {
  return Math.min(attempt * RECONNECT_STEP_MS, RECONNECT_MAX_MS)
}

// After a Sentinel failover the old master may still accept the connection as a replica and
// refuse writes with READONLY; reconnecting asks the Sentinels for the new master.
function reconnectOnReadonly (err: Error): boolean {
  return err.message.startsWith('READONLY')
}

interface Endpoint {
  host: string
  port: number
  username?: string
  password?: string
  db: number
  tls: boolean
}

function parseRedisUrl (raw: string): Endpoint {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    // Never echo the URL: it may hold a password.
    throw new StoreConfigInvalid('redisUrl is not a valid URL')
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new StoreConfigInvalid('redisUrl must start with redis:// or rediss://')
  }
  if (url.hostname === '') throw new StoreConfigInvalid('redisUrl has no host')
  if (url.search !== '' || url.hash !== '') {
    throw new StoreConfigInvalid('redisUrl takes no query or fragment')
  }
  const db = url.pathname === '' || url.pathname === '/' ? '0' : url.pathname.slice(1)
  if (!/^\d{1,5}$/.test(db)) throw new StoreConfigInvalid('redisUrl path must be a database number, such as /0')
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? 6379 : Number(url.port),
    username: url.username === '' ? undefined : decodeURIComponent(url.username),
    password: url.password === '' ? undefined : decodeURIComponent(url.password),
    db: Number(db),
    tls: url.protocol === 'rediss:'
  }
}

function readCa (caFile: string): Buffer {
  try {
    return readFileSync(caFile)
  } catch {
    throw new StoreConfigInvalid('the Redis CA file cannot be read')
  }
}

function tlsOptions (options: RedisClientOptions, enabled: boolean): ConnectionOptions | undefined {
  if (options.caFile !== undefined && !enabled) {
    throw new StoreConfigInvalid('a Redis CA file needs TLS (rediss:// or tls)')
  }
  if (!enabled) return undefined
  // Certificate verification stays on: only the trusted CAs can be replaced, never skipped.
  return options.caFile === undefined ? {} : { ca: readCa(options.caFile) }
}

function common (options: RedisClientOptions): RedisOptions {
  return {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: options.commandTimeoutMs,
    connectTimeout: options.connectTimeoutMs,
    // A server that stops answering without closing the socket: drop it and reconnect.
    socketTimeout: options.connectTimeoutMs,
    connectionName: CONNECTION_NAME,
    reconnectOnError: reconnectOnReadonly
  }
}

function buildStandalone (url: string, options: RedisClientOptions): Redis {
  const endpoint = parseRedisUrl(url)
  return new Redis({
    ...common(options),
    host: endpoint.host,
    port: endpoint.port,
    username: endpoint.username,
    password: endpoint.password,
    db: endpoint.db,
    tls: tlsOptions(options, endpoint.tls),
    retryStrategy: reconnectDelay
  })
}

function buildSentinel (sentinels: readonly RedisNode[], options: RedisClientOptions): Redis {
  if (sentinels.length === 0) throw new StoreConfigInvalid('redisSentinels lists no Sentinel')
  if (options.sentinelMaster === undefined || options.sentinelMaster === '') {
    throw new StoreConfigInvalid('redisSentinels needs redisSentinelMaster')
  }
  const tls = tlsOptions(options, options.tls === true)
  return new Redis({
    ...common(options),
    sentinels: sentinels.map(({ host, port }) => ({ host, port })),
    name: options.sentinelMaster,
    username: options.username,
    password: options.password,
    tls,
    enableTLSForSentinelMode: tls !== undefined,
    sentinelTLS: tls,
    sentinelCommandTimeout: options.connectTimeoutMs,
    sentinelRetryStrategy: reconnectDelay,
    retryStrategy: reconnectDelay
    // No failoverDetector: a +switch-master arriving while the client reconnects ends the
    // client for good (it stayed 503 until a restart, test/e2e/redis-sentinel.test.ts), and its
    // Sentinel subscription outlives quit() (ioredis #1362). A dead or demoted master closes
    // its connections or answers READONLY; a hung one trips socketTimeout; each reconnect asks
    // the Sentinels for the master again.
  })
}

function buildCluster (nodes: readonly RedisNode[], options: RedisClientOptions): Cluster {
  if (nodes.length === 0) throw new StoreConfigInvalid('redisClusterNodes lists no node')
  const tls = tlsOptions(options, options.tls === true)
  const clusterOptions: ClusterOptions = {
    lazyConnect: true,
    enableOfflineQueue: false,
    clusterRetryStrategy: reconnectDelay,
    // A node that restarts without a slot change is reconnected too, not only after MOVED.
    clusterNodeRetryStrategy: reconnectDelay,
    slotsRefreshTimeout: options.connectTimeoutMs,
    redisOptions: {
      ...common(options),
      username: options.username,
      password: options.password,
      tls
    }
  }
  // TLS certificates name hosts: keep the configured host name rather than the resolved address.
  if (tls !== undefined) clusterOptions.dnsLookup = (address, callback) => callback(null, address)
  return new Cluster(nodes.map(({ host, port }) => ({ host, port })), clusterOptions)
}

/** Throws AAP_ERR_STORE_CONFIG_INVALID for unusable settings; never for the network. */
export function createRedisClient (options: RedisClientOptions): RedisClient {
  const { url, sentinels, clusterNodes } = options
  if ([url, sentinels, clusterNodes].filter((mode) => mode !== undefined).length > 1) {
    throw new StoreConfigInvalid('set only one of redisUrl, redisSentinels, redisClusterNodes')
  }
  let client: RedisClient
  if (url !== undefined) client = buildStandalone(url, options)
  else if (sentinels !== undefined) client = buildSentinel(sentinels, options)
  else if (clusterNodes !== undefined) client = buildCluster(clusterNodes, options)
  else throw new StoreConfigInvalid('set one of redisUrl, redisSentinels, redisClusterNodes')
  const onError = options.onError ?? (() => {})
  client.on('error', onError)
  // A Cluster reports each node's failures separately as well.
  if (client instanceof Cluster) client.on('node error', onError)
  return client
}
