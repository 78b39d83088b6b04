// Real Redis for the session tests (STYLE §3.6): the shared server on 127.0.0.1:6379 with a
// unique prefix per test, or a private redis-server this file starts (Cluster mode, a server
// that is stopped mid-test, one that appears late) and stops again.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { Redis } from 'ioredis'
import type { Test } from 'tap'

export const SHARED_REDIS_URL = 'redis://127.0.0.1:6379'

/** Polls until check() is true; fails after timeoutMs. For expiry and reconnects, never a fixed sleep. */
export async function until (check: () => Promise<boolean> | boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`)
    await delay(10)
  }
}

/** Resolves true once promise settles as a rejection, false if it is still pending after ms. */
export async function settlesWithin (promise: Promise<unknown>, ms: number): Promise<boolean> {
  const timer = delay(ms, 'timeout' as const)
  const winner = await Promise.race([promise.then(() => 'settled' as const, () => 'settled' as const), timer])
  return winner === 'settled'
}

export async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

export function uniquePrefix (): string {
  return `aap-test:${randomUUID()}:`
}

/** A plain client for inspecting what the store wrote; closed and the prefix cleaned at teardown. */
export function rawClient (t: Test, prefix: string, port = 6379, db = 0): Redis {
  const client = new Redis({ host: '127.0.0.1', port, db, lazyConnect: true })
  client.on('error', () => {})
  t.teardown(async () => {
    if (client.status === 'end') return
    const keys = await client.keys(`${prefix}*`).catch(() => [])
    if (keys.length > 0) await client.del(...keys).catch(() => {})
    client.disconnect()
  })
  return client
}

export function hasRedisServer (): boolean {
  return spawnSync('redis-server', ['--version']).status === 0
}

export interface PrivateRedis {
  port: number
  process: ChildProcess
}

/**
 * Starts a redis-server of our own on port (a free one by default) and stops it at teardown.
 * With `dir` (owned by the caller, kept) and `appendonly`, a server started again on the same
 * port and dir after a clean stop comes back with its data, as a persistent Redis would.
 */
export interface StartRedisOptions {
  port?: number
  cluster?: boolean
  dir?: string
  appendonly?: boolean
  slots?: [number, number]
  /** requirepass */
  password?: string
  /** TLS only (the port is the TLS port), with this certificate and key (PEM files) */
  tls?: { certFile: string, keyFile: string }
}

export async function startRedis (t: Test, options: StartRedisOptions = {}): Promise<PrivateRedis> {
  const port = options.port ?? await freePort()
  const ownDir = options.dir === undefined
  const dir = options.dir ?? await mkdtemp(join(tmpdir(), 'aap-redis-'))
  const args = ['--bind', '127.0.0.1', '--save', '', '--appendonly', options.appendonly === true ? 'yes' : 'no', '--dir', dir]
  if (options.tls === undefined) args.push('--port', String(port))
  else {
    args.push('--port', '0', '--tls-port', String(port), '--tls-cert-file', options.tls.certFile,
      '--tls-key-file', options.tls.keyFile, '--tls-auth-clients', 'no', '--tls-ca-cert-file', options.tls.certFile)
    if (options.cluster === true) args.push('--tls-cluster', 'yes')
  }
  if (options.password !== undefined) args.push('--requirepass', options.password)
  if (options.cluster === true) {
    // A lone node does not know its own address until it meets another: announce it, or
    // CLUSTER SLOTS tells clients to connect to "".
    args.push('--cluster-enabled', 'yes', '--cluster-config-file', join(dir, 'nodes.conf'), '--cluster-announce-ip', '127.0.0.1')
  }
  const child = spawn('redis-server', args, { stdio: 'ignore' })
  t.teardown(async () => {
    // A process killed by a signal has a signalCode and no exitCode; it already exited.
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGCONT')
      child.kill('SIGKILL')
      await exited
    }
    if (ownDir) await rm(dir, { recursive: true, force: true })
  })
  const probe = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    retryStrategy: () => 20,
    ...(options.password === undefined ? {} : { password: options.password }),
    ...(options.tls === undefined ? {} : { tls: { ca: await readFile(options.tls.certFile) } })
  })
  probe.on('error', () => {})
  try {
    await until(async () => await probe.ping().then(() => true, () => false))
    if (options.cluster === true) {
      // By default one node that owns every slot: a real Cluster (CROSSSLOT, MOVED, CLUSTER
      // KEYSLOT) in one process. With `slots`, one master of several: see startCluster.
      const [from, to] = options.slots ?? [0, 16383]
      await probe.call('CLUSTER', 'ADDSLOTSRANGE', String(from), String(to))
      if (options.slots === undefined) {
        await until(async () => String(await probe.call('CLUSTER', 'INFO')).includes('cluster_state:ok'))
      }
    }
  } finally {
    probe.disconnect()
  }
  return { port, process: child }
}

/** A Redis Cluster of `masters` nodes, slots split evenly, every node knowing the others. */
export async function startCluster (t: Test, masters = 3): Promise<PrivateRedis[]> {
  const size = Math.ceil(16384 / masters)
  const nodes: PrivateRedis[] = []
  for (let i = 0; i < masters; i++) {
    nodes.push(await startRedis(t, { cluster: true, slots: [i * size, Math.min(16383, (i + 1) * size - 1)] }))
  }
  const first = new Redis({ host: '127.0.0.1', port: nodes[0]?.port ?? 0 })
  try {
    for (const node of nodes.slice(1)) await first.call('CLUSTER', 'MEET', '127.0.0.1', String(node.port))
  } finally {
    first.disconnect()
  }
  for (const node of nodes) {
    const client = new Redis({ host: '127.0.0.1', port: node.port })
    try {
      await until(async () => {
        const info = String(await client.call('CLUSTER', 'INFO'))
        return info.includes('cluster_state:ok') && info.includes(`cluster_known_nodes:${masters}`)
      }, 15_000)
    } finally {
      client.disconnect()
    }
  }
  return nodes
}
