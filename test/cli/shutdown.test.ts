// Graceful shutdown (SPEC §10) as an operator sees it: the real bin gets SIGTERM while a request
// is in flight; the in-process proxy shows the drain bound and the store being closed.
import { spawn } from 'node:child_process'
import { createServer, type ServerResponse } from 'node:http'
import { connect } from 'node:net'
import { Writable } from 'node:stream'
import t, { type Test } from 'tap'
import { Agent, request } from 'undici'
import { startProxy } from '../../src/cli/serve-app.js'
import { resolveConfig } from '../../src/config/index.js'
import { buildDemoUpstream } from '../../src/demo/upstream.js'
import { SHUTDOWN_DRAIN_MS } from '../../src/server/shutdown.js'
import { buildSimulator } from '../../src/simulator/app.js'
import { COOKIE_SECRET } from '../config/fixtures.js'
import { deleteKeys, makeStore, waitReady } from '../helpers/stack.js'
import { freePort, settlesWithin, until, uniquePrefix } from '../session/redis-helpers.js'
import { cliArgs, proxyEnv, ROOT as root } from './bin.js'

interface HeldUpstream {
  url: string
  held: ServerResponse[]
  release: (body: string) => void
}

// An upstream whose /slow answers only when the test says so: the request is provably in
// flight when the signal arrives, without betting on a timer.
async function startHeldUpstream (t: Test): Promise<HeldUpstream> {
  const held: ServerResponse[] = []
  const server = createServer((_req, res) => { held.push(res) })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => {
    server.closeAllConnections()
    server.close(() => resolve())
  }))
  const { port } = server.address() as { port: number }
  return {
    url: `http://127.0.0.1:${port}`,
    held,
    release: (body) => { for (const res of held.splice(0)) res.writeHead(200, { 'content-type': 'text/plain' }).end(body) }
  }
}

interface ProxyProcess {
  pid: number
  url: string
  port: number
  stdout: () => string
  stderr: () => string
  exited: Promise<{ code: number | null, signal: NodeJS.Signals | null }>
  running: () => boolean
}

async function spawnProxy (t: Test, upstreamUrl: string): Promise<ProxyProcess> {
  const simulator = await buildSimulator()
  const simulatorUrl = await simulator.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => simulator.close())
  const port = await freePort()
  const child = spawn(process.execPath, cliArgs(), {
    cwd: root,
    env: proxyEnv({
      upstream: upstreamUrl,
      port,
      providerUrl: simulatorUrl,
      clientId: 'shutdown-client',
      clientSecret: 'shutdown-secret',
      cookieSecret: COOKIE_SECRET,
      extra: {
        AUTH_PROXY_SESSION_STORE: 'memory',
        AUTH_PROXY_SKIP_AUTH_ROUTES: '^/slow',
        AUTH_PROXY_LOG_LEVEL: 'info'
      }
    })
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d })
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d })
  let running = true
  const exited = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code, signal) => {
      running = false
      resolve({ code, signal })
    })
  })
  t.teardown(async () => {
    if (running && child.pid !== undefined) process.kill(child.pid, 'SIGKILL')
    await exited
  })
  await until(() => stdout.includes('aihubmix-auth-proxy listening') || !running, 20_000)
  if (!running || child.pid === undefined) throw new Error(`the proxy did not start:\n${stdout}\n${stderr}`)
  return { pid: child.pid, url: `http://127.0.0.1:${port}`, port, stdout: () => stdout, stderr: () => stderr, exited, running: () => running }
}

function logLines (text: string): Array<Record<string, unknown>> {
  return text.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>)
}

function tryConnect (port: number): Promise<'connected' | string> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' })
    socket.once('connect', () => {
      socket.destroy()
      resolve('connected')
    })
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'))
  })
}

// A keep-alive client, as browsers and SDKs are: the proxy must still let go of its connection.
function keepAliveClient (t: Test): Agent {
  const agent = new Agent({ keepAliveTimeout: 60_000 })
  t.teardown(() => agent.destroy())
  return agent
}

t.test('SIGTERM: the in-flight request completes, new connections are refused, exit 0', async (t) => {
  const upstream = await startHeldUpstream(t)
  const proxy = await spawnProxy(t, upstream.url)
  const dispatcher = keepAliveClient(t)

  const inFlight = request(`${proxy.url}/slow`, { dispatcher })
  await until(() => upstream.held.length === 1)
  const signalledAt = Date.now()
  process.kill(proxy.pid, 'SIGTERM')

  let attempt = ''
  await until(async () => (attempt = await tryConnect(proxy.port)) !== 'connected')
  t.equal(attempt, 'ECONNREFUSED', 'a new connection after the signal is refused')
  t.ok(proxy.running(), 'the process waits for the request in flight')

  upstream.release('the slow answer')
  const res = await inFlight
  t.equal(res.statusCode, 200, 'the request in flight is answered')
  t.equal(await res.body.text(), 'the slow answer', 'with the upstream\'s whole body')

  const answeredAt = Date.now()
  const exit = await proxy.exited
  t.equal(exit.code, 0, `exit status 0 ${proxy.stderr()}`)
  // The client keeps its connection alive: the proxy must let go of it, not wait for the
  // client's keep-alive timeout or the drain bound.
  const afterAnswer = Date.now() - answeredAt
  t.ok(afterAnswer < 2_000, `exits right after the last response (${afterAnswer} ms)`)
  t.ok(Date.now() - signalledAt < SHUTDOWN_DRAIN_MS, 'within the drain bound')
  const lines = logLines(proxy.stdout())
  t.match(lines.find((l) => l.event === 'shutdown'), {
    level: 30, reason: 'SIGTERM', drainMs: SHUTDOWN_DRAIN_MS, msg: 'shutting down: refusing new connections, draining in-flight requests'
  })
  t.ok(lines.some((l) => l.event === 'shutdown_complete'), 'logs the end of the stop')
  t.notOk(lines.some((l) => l.event === 'shutdown_drain_timeout'), 'nothing was cut')
  t.equal(proxy.stderr(), '', 'nothing on stderr')
})

t.test('a second SIGTERM during the drain exits at once with 143', async (t) => {
  const upstream = await startHeldUpstream(t)
  const proxy = await spawnProxy(t, upstream.url)
  const dispatcher = keepAliveClient(t)

  const inFlight = request(`${proxy.url}/slow`, { dispatcher }).then(() => 'answered', () => 'cut')
  await until(() => upstream.held.length === 1)
  process.kill(proxy.pid, 'SIGTERM')
  await until(() => proxy.stdout().includes('"event":"shutdown"'))
  t.ok(proxy.running(), 'the first signal waits for the hanging request')

  const signalledAt = Date.now()
  process.kill(proxy.pid, 'SIGTERM')
  const exit = await proxy.exited
  t.ok(Date.now() - signalledAt < 2_000, 'does not wait for the drain')
  t.equal(exit.code, 143, 'exit status 128 + SIGTERM')
  t.match(proxy.stderr(), 'second SIGTERM during shutdown: exiting now')
  t.equal(await inFlight, 'cut', 'the hanging request is dropped with the process')
})

// In-process: a stream that never ends is cut at the drain bound, then the store is closed.
t.test('close() cuts an open SSE stream at the drain bound and closes the Redis store', async (t) => {
  const upstream = await buildDemoUpstream()
  const upstreamUrl = await upstream.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => upstream.close())
  const resolved = resolveConfig({
    upstream: upstreamUrl,
    listen: '127.0.0.1:0',
    metricsListen: '',
    clientId: 'c',
    clientSecret: 's',
    redirectUrl: 'http://127.0.0.1:4180/oauth2/callback',
    cookieSecure: false,
    cookieSecret: COOKIE_SECRET,
    skipAuthRoutes: '^/events'
  })
  if (!resolved.ok) throw new Error(resolved.problems.join('\n'))
  const prefix = uniquePrefix()
  const store = makeStore('redis', prefix)
  t.teardown(() => deleteKeys(prefix))
  await waitReady(store)
  const logs: string[] = []
  const stdout = new Writable({ write (chunk, _enc, cb) { logs.push(String(chunk)); cb() } })
  const drainMs = 300
  const proxy = await startProxy(resolved.config, { stdout }, { store }, { drainMs })

  const res = await request(`${proxy.url}/events?interval=50&count=10000`, { dispatcher: keepAliveClient(t) })
  t.equal(res.statusCode, 200, 'the stream is proxied')
  const events = res.body[Symbol.asyncIterator]()
  let received = ''
  while (!received.includes('data: ')) received += String((await events.next()).value)
  t.match(received, /^data: \{"n":1,/m, 'the stream is open and delivering events')

  const started = Date.now()
  await proxy.close('test')
  const took = Date.now() - started
  t.ok(took >= drainMs, `the stream got its drain time (${took} ms)`)
  t.ok(took < drainMs + 2_000, `and no more (${took} ms)`)
  const drained = (async () => { while ((await events.next()).done !== true); })()
  t.ok(await settlesWithin(drained, 1_000), 'the client sees the stream stop')
  await t.rejects(store.ping(), 'the Redis store is closed')
  const lines = logLines(logs.join(''))
  t.match(lines.find((l) => l.event === 'shutdown_drain_timeout'), { level: 40, drainMs })
  t.match(lines.find((l) => l.event === 'shutdown'), { reason: 'test' })
})

t.test('a proxy that cannot listen closes its store, so the failed process can exit', async (t) => {
  const busy = createServer()
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => busy.close(() => resolve())))
  const { port } = busy.address() as { port: number }
  const resolved = resolveConfig({
    upstream: 'http://127.0.0.1:9',
    listen: `127.0.0.1:${port}`,
    metricsListen: '',
    clientId: 'c',
    clientSecret: 's',
    redirectUrl: 'http://127.0.0.1:4180/oauth2/callback',
    cookieSecure: false,
    cookieSecret: COOKIE_SECRET
  })
  if (!resolved.ok) throw new Error(resolved.problems.join('\n'))
  const prefix = uniquePrefix()
  const store = makeStore('redis', prefix)
  await waitReady(store)
  const stdout = new Writable({ write (_chunk, _enc, cb) { cb() } })
  await t.rejects(startProxy(resolved.config, { stdout }, { store }), { code: 'AAP_ERR_LISTEN_FAILED', cause: { code: 'EADDRINUSE' } })
  await t.rejects(store.ping(), 'the Redis store is closed')
})
