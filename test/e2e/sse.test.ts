// SPEC §5: server-sent events flow through the proxy without buffering. The demo upstream
// stamps each event with the time it produced it; the proxied stream must deliver each one
// about as soon as the direct stream does, keep the upstream's spacing, and stay uncompressed
// when the client offers gzip (a compressor would sit on the events to fill its blocks). Bounds
// are loose on purpose (tap runs files in parallel): held-back events miss them by an interval.
import t from 'tap'
import { request, type Dispatcher } from 'undici'
import { Browser, signIn } from '../helpers/browser.js'
import { startStack } from '../helpers/stack.js'

interface Arrival { n: number, producedAt: number, arrivedAt: number }

interface Stream { status: number, headers: Dispatcher.ResponseData['headers'], events: Arrival[] }

// Reads SSE frames as the chunks arrive and timestamps each data event on arrival.
async function readStream (url: string, headers: Record<string, string>): Promise<Stream> {
  const res = await request(url, { headers })
  const events: Arrival[] = []
  let buffer = ''
  for await (const chunk of res.body) {
    const arrivedAt = Date.now()
    buffer += (chunk as Buffer).toString('utf8')
    let end = buffer.indexOf('\n\n')
    while (end !== -1) {
      for (const line of buffer.slice(0, end).split('\n')) {
        if (!line.startsWith('data: ')) continue
        const data = JSON.parse(line.slice(6)) as { n: number, t: number }
        events.push({ n: data.n, producedAt: data.t, arrivedAt })
      }
      buffer = buffer.slice(end + 2)
      end = buffer.indexOf('\n\n')
    }
  }
  return { status: res.statusCode, headers: res.headers, events }
}

const INTERVAL = 200
const COUNT = 5
const PATH = `/events?interval=${INTERVAL}&count=${COUNT}`

function gaps (events: Arrival[]): number[] {
  return events.slice(1).map((e, i) => e.arrivedAt - (events[i] as Arrival).arrivedAt)
}

t.test('SSE through the proxy arrives as the upstream sends it: first event, spacing, each event', async (t) => {
  const stack = await startStack(t)
  const browser = new Browser()
  await signIn(browser, stack.proxyUrl)
  const cookie = [...browser.cookies(stack.proxyUrl)].map(([k, v]) => `${k}=${v}`).join('; ')

  const startedAt = Date.now()
  const [direct, proxied] = await Promise.all([
    readStream(`${stack.upstreamUrl}${PATH}`, { accept: 'text/event-stream' }),
    readStream(`${stack.proxyUrl}${PATH}`, { accept: 'text/event-stream', cookie })
  ])
  t.equal(direct.status, 200)
  t.equal(proxied.status, 200, 'proxied signed in')
  t.equal(proxied.headers['content-type'], 'text/event-stream')
  t.same(proxied.events.map((e) => e.n), [1, 2, 3, 4, 5], 'every event, in order')

  const firstDirect = (direct.events[0] as Arrival).arrivedAt - startedAt
  const firstProxied = (proxied.events[0] as Arrival).arrivedAt - startedAt
  t.ok(firstProxied - firstDirect < 50,
    `the first event comes within 50 ms of the direct stream's (direct ${firstDirect} ms, proxied ${firstProxied} ms)`)
  // A buffering proxy would deliver several events in one burst (gaps near 0) or all at the end.
  for (const gap of gaps(proxied.events)) {
    t.ok(gap > INTERVAL / 2 && gap < INTERVAL * 2, `events keep their ${INTERVAL} ms spacing (gap ${gap} ms)`)
  }
  for (const e of proxied.events) {
    t.ok(e.arrivedAt - e.producedAt < 150, `event ${e.n} arrives ${e.arrivedAt - e.producedAt} ms after the upstream produced it`)
  }
})

t.test('with Accept-Encoding: gzip the stream is neither compressed nor held back', async (t) => {
  const stack = await startStack(t)
  const browser = new Browser()
  await signIn(browser, stack.proxyUrl)
  const cookie = [...browser.cookies(stack.proxyUrl)].map(([k, v]) => `${k}=${v}`).join('; ')

  const proxied = await readStream(`${stack.proxyUrl}${PATH}`, { accept: 'text/event-stream', 'accept-encoding': 'gzip, deflate, br', cookie })
  t.equal(proxied.status, 200)
  t.equal(proxied.headers['content-encoding'], undefined, 'not compressed')
  t.same(proxied.events.map((e) => e.n), [1, 2, 3, 4, 5], 'every event, readable as plain text')
  for (const gap of gaps(proxied.events)) {
    t.ok(gap > INTERVAL / 2 && gap < INTERVAL * 2, `events keep their ${INTERVAL} ms spacing (gap ${gap} ms)`)
  }
  for (const e of proxied.events) {
    t.ok(e.arrivedAt - e.producedAt < 150, `event ${e.n} arrives ${e.arrivedAt - e.producedAt} ms after the upstream produced it`)
  }
})
