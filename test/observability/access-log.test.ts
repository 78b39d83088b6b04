// SPEC §10 / issue 7: one access line per request, at info for a normal answer, carrying the
// request id (the client's safe X-Request-Id, else a generated one) that the upstream also gets.
import { Writable } from 'node:stream'
import t from 'tap'
import { request } from 'undici'
import { pino } from 'pino'
import { buildApp } from '../../src/app.js'
import { createLoggerOptions } from '../../src/observability/logger.js'
import { createMemoryStore } from '../../src/session/memory-store.js'
import { Browser, signIn } from '../helpers/browser.js'
import { startStack, testConfig } from '../helpers/stack.js'

interface Line {
  level: number
  msg: string
  reqId?: string
  method?: string
  path?: string
  status?: number
  durationMs?: number
  kind?: string
  userId?: string
  upstreamStatus?: number
  upstreamMs?: number
}

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
  t.equal(access[0]?.method, 'GET')
  t.equal(access[0]?.path, '/healthz')
  t.equal(access[0]?.kind, 'health')
  t.ok(typeof access[0]?.durationMs === 'number' && access[0].durationMs >= 0, 'with its duration in ms')

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
  t.equal(access?.method, 'GET')
  t.equal(access?.path, '/headers')
  t.equal(access?.status, 200)
  t.ok(typeof access?.durationMs === 'number' && access.durationMs >= (access.upstreamMs ?? 0), 'the whole duration, at least the upstream\'s part')
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

// SPEC §10: "at most 128 safe characters". The safe set is letters, digits and . _ : / @ + = -
// (what trace ids, UUIDs and base64 carry), nothing a log or a header could be confused by.
t.test('X-Request-Id: 128 safe characters are kept and passed upstream; longer or unsafe ones are replaced', async (t) => {
  const stack = await startStack(t, { config: { skipAuthRoutes: '^/headers$' } })
  const safe = 'Ab9._:/@+=-'
  const id128 = (safe.repeat(12) + 'x'.repeat(128)).slice(0, 128)
  t.equal(id128.length, 128)

  async function sent (id: string): Promise<{ upstream: string | undefined, logged: Line[] }> {
    const res = await request(`${stack.proxyUrl}/headers`, { headers: { 'x-request-id': id } })
    const upstream = (await res.body.json() as Record<string, string>)['x-request-id']
    const logged = stack.logs.join('').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Line)
      .filter((l) => l.reqId === upstream && l.msg === 'request completed')
    return { upstream, logged }
  }

  const kept = await sent(id128)
  t.equal(kept.upstream, id128, '128 safe characters reach the upstream as they are')
  t.equal(kept.logged.length, 1, 'and are the access line\'s reqId')

  for (const [name, id] of [
    ['129 characters', id128 + 'x'],
    ['a space', 'abc def'],
    ['a quote', 'abc"def'],
    ['a comma', 'a,b'],
    ['angle brackets', '<script>'],
    ['non-ASCII', 'trace-é'],
    ['a semicolon', 'a;b']
  ]) {
    const replaced = await sent(id ?? '')
    t.not(replaced.upstream, id, `${name}: replaced`)
    t.match(replaced.upstream, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, `${name}: by a generated id, sent upstream`)
    t.equal(replaced.logged.length, 1, `${name}: which the access line carries`)
  }
})
