// SPEC §10 metrics as a Prometheus server scrapes them: names, labels and values in the text
// exposition, an app-owned Registry per createMetrics(), and /metrics on its own listener.
import { readFileSync } from 'node:fs'
import { createServer as createHttpServer } from 'node:http'
import { createServer, type Socket } from 'node:net'
import { Writable } from 'node:stream'
import replyFrom from '@fastify/reply-from'
import Fastify from 'fastify'
import { pino } from 'pino'
import { register as defaultRegistry, Gauge, Registry } from 'prom-client'
import t, { type Test } from 'tap'
import { request } from 'undici'
import {
  classifyUpstreamError,
  createMetrics,
  instrumentStore,
  LOGIN_OUTCOMES,
  type Metrics,
  type UpstreamErrorKind
} from '../../src/observability/metrics.js'
import { startMetricsServer } from '../../src/observability/metrics-server.js'
import { createMemoryStore } from '../../src/session/memory-store.js'
import { freePort } from '../session/redis-helpers.js'

interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

// The Prometheus text format, as far as these metrics use it.
function parseExposition (text: string): Sample[] {
  const samples: Sample[] = []
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (m === null) throw new Error(`unparsable exposition line: ${line}`)
    const labels: Record<string, string> = {}
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1] as string] = l[2] as string
    samples.push({ name: m[1] as string, labels, value: Number(m[3]) })
  }
  return samples
}

async function scrape (metrics: Metrics): Promise<Sample[]> {
  return parseExposition(await metrics.registry.metrics())
}

function value (samples: Sample[], name: string, labels: Record<string, string>): number | undefined {
  const found = samples.filter((s) => s.name === name &&
    Object.keys(labels).length === Object.keys(s.labels).length &&
    Object.entries(labels).every(([k, v]) => s.labels[k] === v))
  if (found.length > 1) throw new Error(`ambiguous sample ${name} ${JSON.stringify(labels)}`)
  return found[0]?.value
}

const P = 'aihubmix_auth_proxy_'

t.test('requests are counted by route kind, method and status, and timed by route kind', async (t) => {
  const metrics = createMetrics({ collectDefault: false })
  metrics.observeRequest('proxy', 'GET', 200, 0.02)
  metrics.observeRequest('proxy', 'GET', 200, 0.3)
  metrics.observeRequest('auth', 'POST', 302, 0.004)
  metrics.observeRequest(undefined, 'GET', 404, 0.001)
  // A method outside the usual set must not open a series of its own.
  metrics.observeRequest('proxy', 'PROPFIND', 502, 70)
  const s = await scrape(metrics)

  t.equal(value(s, `${P}requests_total`, { kind: 'proxy', method: 'GET', status: '200' }), 2)
  t.equal(value(s, `${P}requests_total`, { kind: 'auth', method: 'POST', status: '302' }), 1)
  t.equal(value(s, `${P}requests_total`, { kind: 'other', method: 'GET', status: '404' }), 1, 'a route without a kind counts as other')
  t.equal(value(s, `${P}requests_total`, { kind: 'proxy', method: 'other', status: '502' }), 1)
  const labelNames = new Set(s.filter((x) => x.name === `${P}requests_total`).flatMap((x) => Object.keys(x.labels)))
  t.same([...labelNames].sort(), ['kind', 'method', 'status'], 'no path, user or other unbounded label')

  const h = `${P}request_duration_seconds`
  t.equal(value(s, `${h}_count`, { kind: 'proxy' }), 3)
  t.equal(value(s, `${h}_bucket`, { kind: 'proxy', le: '0.025' }), 1)
  t.equal(value(s, `${h}_bucket`, { kind: 'proxy', le: '0.5' }), 2)
  t.equal(value(s, `${h}_bucket`, { kind: 'proxy', le: '60' }), 2, 'a 70 s stream is past the last finite bucket')
  t.equal(value(s, `${h}_bucket`, { kind: 'proxy', le: '+Inf' }), 3)
  t.equal(value(s, `${h}_count`, { kind: 'auth' }), 1)
})

t.test('every login and refresh outcome is a series from the start, and each call counts once', async (t) => {
  const metrics = createMetrics({ collectDefault: false })
  let s = await scrape(metrics)
  for (const outcome of LOGIN_OUTCOMES) t.equal(value(s, `${P}logins_total`, { outcome }), 0, `logins ${outcome} starts at 0`)
  for (const outcome of ['ok', 'grant_invalid', 'unavailable']) {
    t.equal(value(s, `${P}token_refreshes_total`, { outcome }), 0, `refreshes ${outcome} starts at 0`)
  }

  metrics.login('ok')
  metrics.login('ok')
  metrics.login('state_replayed')
  metrics.tokenRefresh('grant_invalid')
  s = await scrape(metrics)
  t.equal(value(s, `${P}logins_total`, { outcome: 'ok' }), 2)
  t.equal(value(s, `${P}logins_total`, { outcome: 'state_replayed' }), 1)
  t.equal(value(s, `${P}logins_total`, { outcome: 'state_mismatch' }), 0)
  t.equal(value(s, `${P}token_refreshes_total`, { outcome: 'grant_invalid' }), 1)
  t.equal(value(s, `${P}token_refreshes_total`, { outcome: 'ok' }), 0)
})

t.test('AIHubMix calls are timed in seconds by endpoint and outcome', async (t) => {
  const metrics = createMetrics({ collectDefault: false })
  // onCall reports milliseconds; the histogram is in seconds.
  metrics.providerCall('token', 150, 'ok')
  metrics.providerCall('userinfo', 40, 'ok')
  metrics.providerCall('refresh', 10_000, 'timeout')
  const s = await scrape(metrics)
  const h = `${P}provider_request_duration_seconds`
  t.equal(value(s, `${h}_count`, { endpoint: 'token', outcome: 'ok' }), 1)
  t.equal(value(s, `${h}_sum`, { endpoint: 'token', outcome: 'ok' }), 0.15)
  t.equal(value(s, `${h}_bucket`, { endpoint: 'token', outcome: 'ok', le: '0.1' }), 0)
  t.equal(value(s, `${h}_bucket`, { endpoint: 'token', outcome: 'ok', le: '0.25' }), 1)
  t.equal(value(s, `${h}_bucket`, { endpoint: 'userinfo', outcome: 'ok', le: '0.05' }), 1)
  t.equal(value(s, `${h}_bucket`, { endpoint: 'refresh', outcome: 'timeout', le: '10' }), 1)
})

t.test('upstream errors are counted by kind', async (t) => {
  const metrics = createMetrics({ collectDefault: false })
  metrics.upstreamError('timeout')
  metrics.upstreamError('timeout')
  metrics.upstreamError('connect')
  const s = await scrape(metrics)
  t.equal(value(s, `${P}upstream_errors_total`, { kind: 'timeout' }), 2)
  t.equal(value(s, `${P}upstream_errors_total`, { kind: 'connect' }), 1)
  t.equal(value(s, `${P}upstream_errors_total`, { kind: 'reset' }), 0)
})

t.test('an instrumented store counts each failed call by operation and passes results and errors through', async (t) => {
  const metrics = createMetrics({ collectDefault: false })
  const inner = createMemoryStore({ now: Date.now })
  const store = instrumentStore(inner, metrics)
  t.teardown(() => store.close())

  t.equal(store.kind, 'memory')
  await store.set('k', Buffer.from('v'), 60_000, 'u')
  t.same(await store.get('k'), Buffer.from('v'))
  t.equal(await store.claimOnce('c', 60_000), true)
  t.equal(await store.claimOnce('c', 60_000), false, 'a refused claim is an answer, not an error')
  let s = await scrape(metrics)
  t.equal(s.filter((x) => x.name === `${P}session_store_errors_total` && x.value !== 0).length, 0, 'successes count nothing')

  await store.close()
  await t.rejects(store.get('k'), { code: 'AAP_ERR_STORE_UNAVAILABLE' }, 'the store\'s own coded error reaches the caller')
  await t.rejects(store.get('k'))
  await t.rejects(store.releaseLock('l', 'x'))
  s = await scrape(metrics)
  t.equal(value(s, `${P}session_store_errors_total`, { operation: 'get' }), 2)
  t.equal(value(s, `${P}session_store_errors_total`, { operation: 'releaseLock' }), 1)
  t.equal(value(s, `${P}session_store_errors_total`, { operation: 'set' }), 0)

  metrics.sessionStoreError('connection')
  s = await scrape(metrics)
  t.equal(value(s, `${P}session_store_errors_total`, { operation: 'connection' }), 1)
})

t.test('two createMetrics() are independent and leave prom-client\'s global registry alone', async (t) => {
  const a = createMetrics()
  const b = createMetrics()
  a.login('ok')
  a.observeRequest('health', 'GET', 200, 0.001)
  const sa = await scrape(a)
  const sb = await scrape(b)
  t.equal(value(sa, `${P}logins_total`, { outcome: 'ok' }), 1)
  t.equal(value(sb, `${P}logins_total`, { outcome: 'ok' }), 0)
  t.equal(value(sb, `${P}requests_total`, { kind: 'health', method: 'GET', status: '200' }), undefined)
  t.notOk((await defaultRegistry.metrics()).includes(P), 'nothing registered in the default registry')
})

t.test('a given registry is used as is', async (t) => {
  const registry = new Registry()
  const metrics = createMetrics({ registry, collectDefault: false })
  metrics.login('disabled')
  t.equal(metrics.registry, registry)
  t.equal(value(parseExposition(await registry.metrics()), `${P}logins_total`, { outcome: 'disabled' }), 1)
})

t.test('process metrics are collected with the same prefix, unless turned off', async (t) => {
  const names = new Set((await scrape(createMetrics())).map((x) => x.name))
  for (const name of ['process_cpu_seconds_total', 'process_start_time_seconds', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds']) {
    t.ok(names.has(`${P}${name}`), `${P}${name} present`)
    t.notOk(names.has(name), `${name} never without the prefix`)
  }
  const off = new Set((await scrape(createMetrics({ collectDefault: false }))).map((x) => x.name))
  t.notOk(off.has(`${P}process_cpu_seconds_total`))
})

function sink (): { stream: Writable, lines: () => Array<Record<string, unknown>> } {
  let text = ''
  const stream = new Writable({ write (chunk, _enc, done) { text += String(chunk); done() } })
  return { stream, lines: () => text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>) }
}

t.test('the metrics server answers GET /metrics in the registry\'s format and 404 to anything else', async (t) => {
  const metrics = createMetrics()
  metrics.login('ok')
  const log = sink()
  const server = await startMetricsServer({ metrics, listen: { host: '127.0.0.1', port: 0 }, logger: pino(log.stream) })
  t.teardown(() => server.close())
  t.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/)

  const res = await request(server.url)
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], metrics.registry.contentType)
  t.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/)
  const body = await res.body.text()
  t.equal(value(parseExposition(body), `${P}logins_total`, { outcome: 'ok' }), 1, 'the app\'s counters, as the scraper sees them')
  t.ok(body.includes(`${P}process_cpu_seconds_total`))

  const base = new URL(server.url)
  for (const [method, path] of [['GET', '/'], ['GET', '/healthz'], ['GET', '/metrics/extra'], ['GET', '/oauth2/userinfo'], ['POST', '/metrics']] as const) {
    const other = await request(new URL(path, base), { method })
    await other.body.dump()
    t.equal(other.statusCode, 404, `${method} ${path} is 404`)
  }
  t.notOk(log.lines().some((l) => l.msg === 'request completed' || l.msg === 'incoming request'), 'scrapes write no access lines')
  t.ok(log.lines().some((l) => l.component === 'metrics'), 'its log lines are told apart from the proxy\'s')
})

t.test('a scrape that fails answers 500 and is logged', async (t) => {
  const metrics = createMetrics({ collectDefault: false })
  metrics.registry.registerMetric(new Gauge({ name: 'broken', help: 'a collector that throws', registers: [], collect () { throw new Error('collector failed') } }))
  const log = sink()
  const server = await startMetricsServer({ metrics, listen: { host: '127.0.0.1', port: 0 }, logger: pino(log.stream) })
  t.teardown(() => server.close())
  const res = await request(server.url)
  await res.body.dump()
  t.equal(res.statusCode, 500)
  t.ok(log.lines().some((l) => l.level === 50 && (l.err as { message?: string } | undefined)?.message === 'collector failed'), 'the failure is in the log')
})

t.test('the metrics server stops listening on close, and a taken port fails the start', async (t) => {
  const metrics = createMetrics({ collectDefault: false })
  const logger = pino(sink().stream)
  const server = await startMetricsServer({ metrics, listen: { host: '127.0.0.1', port: 0 }, logger })
  const taken = Number(new URL(server.url).port)
  await t.rejects(startMetricsServer({ metrics, listen: { host: '127.0.0.1', port: taken }, logger }), { code: 'EADDRINUSE' })
  await server.close()
  await t.rejects(request(server.url), { code: 'ECONNREFUSED' })
})

// Real upstream failures through @fastify/reply-from (what proxy/plugin.ts's onError receives).
async function proxyFailure (t: Test, upstream: string, headersTimeout = 5_000): Promise<UpstreamErrorKind> {
  const kinds: UpstreamErrorKind[] = []
  const app = Fastify()
  await app.register(replyFrom, { base: upstream, undici: { headersTimeout } })
  app.get('/', (_request, reply) => reply.from('/', {
    onError: (r, { error }) => {
      kinds.push(classifyUpstreamError(error))
      r.code(502).send()
    }
  }))
  t.teardown(() => app.close())
  const res = await app.inject('/')
  t.equal(res.statusCode, 502)
  t.equal(kinds.length, 1)
  return kinds[0] as UpstreamErrorKind
}

async function rawUpstream (t: Test, onData: (socket: Socket) => void): Promise<string> {
  const sockets = new Set<Socket>()
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    socket.once('data', () => onData(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(async () => {
    for (const s of sockets) s.destroy()
    await new Promise((resolve) => server.close(resolve))
  })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return `http://127.0.0.1:${address.port}`
}

t.test('upstream failures are classified as timeout, connect, reset or other', async (t) => {
  t.equal(await proxyFailure(t, `http://127.0.0.1:${await freePort()}`), 'connect', 'nothing listening')
  t.equal(await proxyFailure(t, await rawUpstream(t, () => {}), 200), 'timeout', 'no headers in time')
  t.equal(await proxyFailure(t, await rawUpstream(t, (s) => s.destroy())), 'reset', 'connection dropped')
  t.equal(await proxyFailure(t, await rawUpstream(t, (s) => s.end('HTTP/1.1 999 Odd\r\ncontent-length: 0\r\n\r\n'))), 'other',
    'a status Fastify cannot send')
  t.equal(classifyUpstreamError(new Error('plain')), 'other')
  t.equal(classifyUpstreamError(undefined), 'other')
})

t.test('a healthy upstream is no upstream error', async (t) => {
  const upstream = createHttpServer((_req, res) => res.end('ok'))
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => upstream.close(resolve)))
  const address = upstream.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  const app = Fastify()
  let errors = 0
  await app.register(replyFrom, { base: `http://127.0.0.1:${address.port}` })
  app.get('/', (_request, reply) => reply.from('/', { onError: (r) => { errors++; r.code(502).send() } }))
  t.teardown(() => app.close())
  const res = await app.inject('/')
  t.equal(res.statusCode, 200)
  t.equal(errors, 0)
})

// Grafana's variable syntax, not a template literal.
const DS_VARIABLE = '$' + '{DS_PROMETHEUS}'

t.test('the Grafana dashboard only queries metrics that exist and covers every SPEC §10 family', async (t) => {
  const dashboard = JSON.parse(readFileSync(new URL('../../deploy/grafana/aihubmix-auth-proxy.json', import.meta.url), 'utf8')) as {
    templating: { list: Array<{ name: string, type: string, query: unknown }> }
    panels: Array<{ type: string, title: string, datasource?: { uid: string }, targets?: Array<{ expr: string, datasource: { uid: string } }> }>
  }
  const metrics = createMetrics()
  // A labelled histogram shows its _bucket/_count/_sum only once observed.
  metrics.observeRequest('proxy', 'GET', 200, 0.1)
  metrics.providerCall('token', 100, 'ok')
  const exposed = new Set((await scrape(metrics)).map((x) => x.name))
  const queried = new Set<string>()
  for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) {
    t.equal(panel.datasource?.uid, DS_VARIABLE, `${panel.title}: datasource is the variable`)
    t.ok((panel.targets ?? []).length > 0, `${panel.title}: has a query`)
    for (const target of panel.targets ?? []) {
      t.equal(target.datasource.uid, DS_VARIABLE)
      for (const [name] of target.expr.matchAll(/aihubmix_auth_proxy_[a-z0-9_]+/g)) {
        t.ok(exposed.has(name), `${panel.title}: ${name} is exposed`)
        queried.add(name.replace(/_(bucket|count|sum)$/, ''))
      }
    }
  }
  for (const family of ['requests_total', 'request_duration_seconds', 'logins_total', 'token_refreshes_total',
    'provider_request_duration_seconds', 'session_store_errors_total', 'upstream_errors_total']) {
    t.ok(queried.has(`${P}${family}`), `a panel shows ${family}`)
  }
  t.ok(dashboard.templating.list.some((v) => v.name === 'DS_PROMETHEUS' && v.type === 'datasource' && v.query === 'prometheus'))
})
