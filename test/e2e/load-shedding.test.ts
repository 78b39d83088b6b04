// Load shedding (@fastify/under-pressure): while the event loop lags, requests get 503 with
// Retry-After at once (JSON or a page) and /healthz still answers 200; when the lag ends the
// proxy serves again by itself. The lag is real: the test blocks this process's event loop.
import t from 'tap'
import { buildApp } from '../../src/app.js'
import { createMemoryStore } from '../../src/session/memory-store.js'
import { testConfig } from '../helpers/stack.js'
import { until } from '../session/redis-helpers.js'

function blockFor (ms: number): void {
  const end = Date.now() + ms
  while (Date.now() < end) { /* the lag under test */ }
}

t.test('an overloaded event loop sheds requests but keeps liveness', async (t) => {
  const app = await buildApp(testConfig({ logLevel: 'silent' }), {
    store: createMemoryStore({ now: Date.now }),
    loadShedding: { maxEventLoopDelayMs: 50, sampleIntervalMs: 100 }
  })
  t.teardown(() => app.close())
  await app.ready()
  t.equal((await app.inject({ url: '/private', headers: { accept: 'application/json' } })).statusCode, 401, 'served normally')

  let shed: Awaited<ReturnType<typeof app.inject>> | undefined
  for (let i = 0; i < 50 && shed === undefined; i++) {
    // Several sample intervals of lag, then a request right after.
    for (let k = 0; k < 4; k++) {
      blockFor(150)
      await new Promise((resolve) => setImmediate(resolve))
    }
    const res = await app.inject({ url: '/private', headers: { accept: 'application/json' } })
    if (res.statusCode === 503) shed = res
    else t.equal(res.statusCode, 401, 'anything not shed is the normal answer')
  }
  t.ok(shed, 'a request during the lag is refused')
  t.ok(Number(shed?.headers['retry-after']) > 0, 'with Retry-After')
  t.same(shed?.json(), { error: 'overloaded' })

  blockFor(150)
  await new Promise((resolve) => setImmediate(resolve))
  const page = await app.inject({ url: '/private', headers: { accept: 'text/html' } })
  if (page.statusCode === 503) {
    t.match(page.headers['content-type'], /text\/html/, 'browsers get a page')
    t.match(page.body, /Busy right now|服务繁忙/)
  }
  blockFor(150)
  await new Promise((resolve) => setImmediate(resolve))
  t.equal((await app.inject({ url: '/healthz' })).statusCode, 200, '/healthz stays 200 under lag')

  await until(async () => (await app.inject({ url: '/private', headers: { accept: 'application/json' } })).statusCode === 401, 10_000)
  t.pass('the lag over, requests are served again')
})
