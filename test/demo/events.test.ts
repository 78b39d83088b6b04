import t from 'tap'
import type { Dispatcher } from 'undici'
import { startDemoUpstream } from './start.js'

interface DemoEvent { n: number, t: number }

// Parses SSE frames out of the body as chunks arrive and yields each data event at once.
async function * readEvents (body: Dispatcher.ResponseData['body']): AsyncGenerator<DemoEvent> {
  let buffer = ''
  for await (const chunk of body) {
    buffer += (chunk as Buffer).toString('utf8')
    let end = buffer.indexOf('\n\n')
    while (end !== -1) {
      const frame = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      for (const line of frame.split('\n')) {
        if (line.startsWith('data: ')) yield JSON.parse(line.slice(6)) as DemoEvent
      }
      end = buffer.indexOf('\n\n')
    }
  }
}

t.test('/events streams count events in order, then ends', async (t) => {
  const { client } = await startDemoUpstream(t)
  const res = await client.request({ path: '/events?interval=1&count=5', method: 'GET' })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'text/event-stream')
  t.equal(res.headers['cache-control'], 'no-cache')
  const seen: number[] = []
  for await (const event of readEvents(res.body)) {
    t.equal(typeof event.t, 'number')
    seen.push(event.n)
  }
  t.same(seen, [1, 2, 3, 4, 5])
})

// If the server held events back until the end, the three would not arrive before the test
// times out: 10,000 events at 20 ms apart take minutes. Ordering is asserted, timing is not.
t.test('/events delivers each event as it is produced', async (t) => {
  const { client } = await startDemoUpstream(t)
  const res = await client.request({ path: '/events?interval=20&count=10000', method: 'GET' })
  const seen: number[] = []
  for await (const event of readEvents(res.body)) {
    seen.push(event.n)
    if (seen.length === 3) break
  }
  t.same(seen, [1, 2, 3])
  // Breaking out destroyed the body; the server's timer must stop with it, or close() hangs.
})

t.test('/events defaults to ten events and rejects bad parameters', async (t) => {
  const { client } = await startDemoUpstream(t)
  const res = await client.request({ path: '/events?interval=1', method: 'GET' })
  let n = 0
  for await (const event of readEvents(res.body)) {
    n += 1
    t.equal(event.n, n)
  }
  t.equal(n, 10)
  for (const query of ['interval=0', 'count=0', 'count=abc', 'interval=1&count=10001']) {
    const bad = await client.request({ path: `/events?${query}`, method: 'GET' })
    t.equal(bad.statusCode, 400, query)
    await bad.body.dump()
  }
})
