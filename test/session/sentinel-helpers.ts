// A Redis Sentinel deployment for failover tests (SPEC §7 "follows a Sentinel failover without a
// restart"): a master, one replica of it and one Sentinel watching it, each a redis-server of our
// own on a free port, killed by PID at teardown. One Sentinel with quorum 1 is enough to fail
// over; short timings make it happen within seconds instead of the default 30 s.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import type { Test } from 'tap'
import { freePort, until } from './redis-helpers.js'

export interface RedisProcess {
  port: number
  process: ChildProcess
}

export interface SentinelGroup {
  masterName: string
  master: RedisProcess
  replica: RedisProcess
  sentinel: RedisProcess
}

export interface SentinelTimings {
  /** how long the master must be silent before the Sentinel calls it down */
  downAfterMs?: number
  /** also how long the Sentinel waits before retrying a failover that went nowhere */
  failoverTimeoutMs?: number
}

const LOCALHOST = '127.0.0.1'
// Names the test's own connections, so CLIENT LIST can tell them from the proxy's.
const PROBE_NAME = 'aap-test-probe'
const READY_TIMEOUT_MS = 10_000

function exited (child: ChildProcess): boolean {
  // A process killed by a signal keeps exitCode null: only signalCode tells that it is gone.
  return child.exitCode !== null || child.signalCode !== null
}

/** SIGKILL (after SIGCONT, in case a test stopped it) and wait until the process is gone. */
export async function killRedis (server: RedisProcess): Promise<void> {
  const child = server.process
  if (exited(child)) return
  const gone = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGCONT')
  child.kill('SIGKILL')
  await gone
}

/**
 * A plain client to one process, for inspection, closed at teardown. A command waits for the
 * connection but fails at the first refused attempt, so polling a dead process never hangs.
 */
export function probeClient (t: Test, port: number): Redis {
  const client = new Redis({ host: LOCALHOST, port, connectionName: PROBE_NAME, maxRetriesPerRequest: 0, retryStrategy: () => 50 })
  client.on('error', () => {})
  t.teardown(() => client.disconnect())
  return client
}

async function spawnRedis (t: Test, args: (dir: string, port: number) => Promise<string[]>): Promise<RedisProcess> {
  const port = await freePort()
  const dir = await mkdtemp(join(tmpdir(), 'aap-sentinel-'))
  const child = spawn('redis-server', await args(dir, port), { stdio: 'ignore' })
  const server = { port, process: child }
  t.teardown(async () => {
    await killRedis(server)
    await rm(dir, { recursive: true, force: true })
  })
  const probe = probeClient(t, port)
  await until(async () => await probe.ping().then(() => true, () => false), READY_TIMEOUT_MS)
  return server
}

function dataNodeArgs (dir: string, port: number): string[] {
  return ['--port', String(port), '--bind', LOCALHOST, '--save', '', '--appendonly', 'no', '--dir', dir]
}

/**
 * How many clients are connected to the process behind `client`, leaving out the test's own
 * probes and the Sentinel's links to the data nodes (named sentinel-<id>-cmd / -pubsub).
 */
export async function foreignConnections (client: Redis): Promise<number> {
  const list = String(await client.call('CLIENT', 'LIST'))
  return list.split('\n').filter((line) => {
    const name = / name=(\S*)/.exec(line)?.[1]
    return name !== undefined && name !== PROBE_NAME && !name.startsWith('sentinel-')
  }).length
}

/** The address Sentinel gives for master `name`, or null while it knows none. */
export async function masterAddress (sentinel: Redis, name: string): Promise<{ host: string, port: number } | null> {
  const reply = await sentinel.call('SENTINEL', 'get-master-addr-by-name', name) as [string, string] | null
  return reply === null ? null : { host: reply[0], port: Number(reply[1]) }
}

// SENTINEL MASTER and SENTINEL REPLICAS describe an instance as a flat [field, value, ...] list.
function fields (flat: readonly string[]): Map<string, string> {
  const entry = new Map<string, string>()
  for (let i = 0; i + 1 < flat.length; i += 2) entry.set(flat[i] ?? '', flat[i + 1] ?? '')
  return entry
}

/**
 * true once the failover to `port` is over. get-master-addr-by-name already names the promoted
 * replica while the failover still runs; clients hear of it (+switch-master) only at its end,
 * when the Sentinel resets the master entry to the new address with no failover flag.
 */
export async function failoverCompleted (sentinel: Redis, name: string, port: number): Promise<boolean> {
  const master = fields(await sentinel.call('SENTINEL', 'master', name) as string[])
  return master.get('port') === String(port) && master.get('flags') === 'master'
}

/** Starts master, replica and Sentinel; resolves once the Sentinel knows the replica as a failover candidate. */
export async function startSentinelGroup (t: Test, timings: SentinelTimings = {}): Promise<SentinelGroup> {
  const masterName = 'aap-master'
  const downAfterMs = timings.downAfterMs ?? 500
  const failoverTimeoutMs = timings.failoverTimeoutMs ?? 3_000

  const master = await spawnRedis(t, async (dir, port) => dataNodeArgs(dir, port))
  const replica = await spawnRedis(t, async (dir, port) => [
    ...dataNodeArgs(dir, port),
    '--replicaof', LOCALHOST, String(master.port),
    // The address the master (and through it the Sentinel) hands out for this replica.
    '--replica-announce-ip', LOCALHOST
  ])
  const replicaClient = probeClient(t, replica.port)
  await until(async () => (await replicaClient.info('replication')).includes('master_link_status:up'), READY_TIMEOUT_MS)

  // Sentinel rewrites its configuration file as it learns the topology, so it gets its own copy.
  const sentinel = await spawnRedis(t, async (dir, port) => {
    const file = join(dir, 'sentinel.conf')
    await writeFile(file, [
      `port ${port}`,
      `bind ${LOCALHOST}`,
      `dir ${dir}`,
      `sentinel announce-ip ${LOCALHOST}`,
      `sentinel monitor ${masterName} ${LOCALHOST} ${master.port} 1`,
      `sentinel down-after-milliseconds ${masterName} ${downAfterMs}`,
      `sentinel failover-timeout ${masterName} ${failoverTimeoutMs}`,
      ''
    ].join('\n'))
    return [file, '--sentinel']
  })
  const sentinelClient = probeClient(t, sentinel.port)
  // A Sentinel learns of replicas from the master's INFO; a failover before that finds no
  // candidate and is aborted.
  await until(async () => {
    const replicas = await sentinelClient.call('SENTINEL', 'replicas', masterName) as string[][]
    return replicas.map(fields).some((entry) => entry.get('port') === String(replica.port) &&
      entry.get('flags') === 'slave' && entry.get('master-link-status') === 'ok')
  }, READY_TIMEOUT_MS)
  return { masterName, master, replica, sentinel }
}
