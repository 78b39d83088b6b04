// SPEC §10 / issue 7: one access line per request, at info for a normal answer, carrying the
// request id (the client's safe X-Request-Id, else a generated one) that the upstream also gets.
import { Writable } from 'node:stream'
import t from 'tap'
import { pino } from 'pino'
import { buildApp } from '../../src/app.js'
import { createLoggerOptions } from '../../src/observability/logger.js'
import { createMemoryStore } from '../../src/session/memory-store.js'
import { Browser, signIn } from '../helpers/browser.js'
import { startStack, testConfig } from '../helpers/stack.js'

interface Line { level: number, msg: string, reqId?: string, status?: number, kind?: string, userId?: string, upstreamStatus?: number, upstreamMs?: number }

t.test('a normal request gets exactly one info access line', async (t) => {
  const lines: Line[] = []
  const sink = new Writable({ write (chunk, _enc, cb) { lines.push(JSON.parse(String(chunk)) as Line); cb() } })
  const app = await buildApp(testConfig(), { store: createMemoryStore({ now: Date.now }), logger: pino(createLoggerOptions({ logLevel: 'info' }), sink) })
  t.teardown(() => app.close())
  const res = await app.inject({ url: '/healthz', headers: { 'x-request-id': 'req-abc.123' } })
  t.equal(res.statusCode, 200)
  const access = lines.filter((l) => l.reqId === 'req-abc.123')
  t.equal(access.length, 1, 'one line for the request')
  t.equal(access[0]?.msg, 'request completed')
  t.equal(access[0]?.level, 30, 'at info, not error')
  t.equal(access[0]?.status, 200)

  await app.inject({ url: '/healthz', headers: { 'x-request-id': 'bad id with spaces' } })
  const generated = lines.at(-1)
  t.not(generated?.reqId, 'bad id with spaces', 'an unsafe incoming id is replaced')
  t.match(generated?.reqId, /^[0-9a-f-]{36}$/)
})

t.test('every line of a proxied request carries one request id, which the upstream receives', async (t) => {
  const stack = await startStack(t)
  const browser = new Browser()
  await signIn(browser, stack.proxyUrl)
  const page = await browser.fetch(`${stack.proxyUrl}/headers`, { headers: { 'x-request-id': 'trace-42' } })
  t.equal((JSON.parse(page.body) as Record<string, string>)['x-request-id'], 'trace-42', 'passed upstream')
  const own = stack.logs.join('').split('\n').filter((l) => l.includes('trace-42')).map((l) => JSON.parse(l) as Line)
  t.ok(own.length >= 1)
  const access = own.find((l) => l.msg === 'request completed')
  t.equal(access?.kind, 'proxy')
  t.equal(access?.userId, '1001', 'the signed-in user is on the access line')
  t.equal(access?.level, 30)
  t.equal(access?.upstreamStatus, 200, 'the upstream\'s status')
  t.ok(typeof access?.upstreamMs === 'number' && access.upstreamMs >= 0, 'and its time to headers')
  t.equal(own.filter((l) => l.msg === 'response received').length, 0, 'no second line per proxied request')

  const health = stack.logs.join('').split('\n').filter((l) => l.includes('"kind":"auth"')).map((l) => JSON.parse(l) as Line)
  t.ok(health.every((l) => l.upstreamStatus === undefined), 'the proxy\'s own routes have no upstream fields')

  const none = await browser.fetch(`${stack.proxyUrl}/headers`)
  const generated = (JSON.parse(none.body) as Record<string, string>)['x-request-id']
  t.match(generated, /^[0-9a-f-]{36}$/, 'without one, the generated id goes upstream')
  t.ok(stack.logs.join('').includes(`"reqId":"${generated ?? 'missing'}"`), 'and is the id in the log')
})
