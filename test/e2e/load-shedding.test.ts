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

// under-pressure measures the lag once per sample interval and keeps that verdict until the
// next sample. A long interval makes the verdict outlast a whole batch of requests; the app's
// own isUnderPressure(), read before and after the batch, proves the batch ran under it.
const SAMPLE_INTERVAL_MS = 1000

t.test('an overloaded event loop sheds requests but keeps liveness', async (t) => {
  const app = await buildApp(testConfig({ logLevel: 'silent' }), {
    store: createMemoryStore({ now: Date.now }),
    loadShedding: { maxEventLoopDelayMs: 50, sampleIntervalMs: SAMPLE_INTERVAL_MS }
  })
  t.teardown(() => app.close())
  await app.ready()
  const json = { accept: 'application/json' }
  t.equal((await app.inject({ url: '/private', headers: json })).statusCode, 401, 'served normally')

  let checked = false
  for (let attempt = 0; attempt < 10 && !checked; attempt++) {
    // Longer than a sample interval: whichever sample comes next sees the lag.
    blockFor(SAMPLE_INTERVAL_MS + 200)
    await until(() => app.isUnderPressure(), 5_000)
    const shed = await app.inject({ url: '/private', headers: json })
    const page = await app.inject({ url: '/private', headers: { accept: 'text/html' } })
    const health = await app.inject({ url: '/healthz' })
    const ready = await app.inject({ url: '/readyz' })
    // A sample between the two readings could have ended the lag mid-batch: measure again.
    if (!app.isUnderPressure()) continue
    checked = true

    t.equal(shed.statusCode, 503, 'an API request during the lag is refused')
    t.ok(Number(shed.headers['retry-after']) > 0, 'with Retry-After')
    t.same(shed.json(), { error: 'overloaded' })
    t.equal(page.statusCode, 503, 'a browser during the lag is refused too')
    t.match(page.headers['content-type'], /text\/html/, 'with a page')
    t.match(page.body, /Busy right now|服务繁忙/)
    t.ok(Number(page.headers['retry-after']) > 0, 'and Retry-After')
    t.equal(health.statusCode, 200, '/healthz stays 200 during the same lag')
    t.equal(ready.statusCode, 503, '/readyz is refused, taking the replica out of rotation')
  }
  t.ok(checked, 'a batch ran entirely under one lag verdict')

  await until(async () => (await app.inject({ url: '/private', headers: json })).statusCode === 401, 10_000)
  t.pass('the lag over, requests are served again')
})
