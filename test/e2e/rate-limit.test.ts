// SPEC §3 loginRateLimit (default 20/1m): start and callback per client IP, shared by replicas
// through Redis, 429 with Retry-After as a page or JSON. Real sockets, real Redis.
import t, { type Test } from 'tap'
import { Agent, request, type Dispatcher } from 'undici'
import { deleteKeys, makeStore, startStack, waitReady } from '../helpers/stack.js'

async function hit (url: string, accept = 'text/html', dispatcher?: Dispatcher, headers: Record<string, string> = {}): Promise<{ status: number, retryAfter: unknown, body: string, type: string }> {
  const res = await request(url, { headers: { accept, ...headers }, ...(dispatcher === undefined ? {} : { dispatcher }) })
  return { status: res.statusCode, retryAfter: res.headers['retry-after'], body: await res.body.text(), type: String(res.headers['content-type']) }
}

t.test('the 21st start from one IP within the window gets 429, shared across replicas', async (t) => {
  const prefix = `aap-test:rl-${Date.now()}-${Math.random()}:`
  const store = makeStore('redis', prefix)
  await waitReady(store)
  t.teardown(async () => { await store.close(); await deleteKeys(prefix) })
  const first = await startStack(t, { sharedStore: store })
  const second = await startStack(t, { sharedStore: store, replicaOf: first })

  for (let i = 1; i <= 20; i++) {
    const stack = i % 2 === 0 ? second : first
    const res = await hit(`${stack.proxyUrl}/oauth2/start`)
    t.equal(res.status, 302, `start ${i} of 20 is allowed`)
  }
  const page = await hit(`${first.proxyUrl}/oauth2/start`)
  t.equal(page.status, 429, 'the 21st gets 429, counted over both replicas')
  t.ok(Number(page.retryAfter) >= 1 && Number(page.retryAfter) <= 60, `Retry-After within the 1-minute window (${String(page.retryAfter)})`)
  t.match(page.type, /text\/html/, 'a page for a browser')
  t.match(page.body, /Too many|过多/)
  const json = await hit(`${second.proxyUrl}/oauth2/start`, 'application/json')
  t.equal(json.status, 429)
  t.same(JSON.parse(json.body), { error: 'rate_limited' }, 'JSON otherwise')

  const callback = await hit(`${first.proxyUrl}/oauth2/callback?code=a&state=b`)
  t.equal(callback.status, 403, 'callback keeps its own count')
  const other = await hit(`${first.proxyUrl}/oauth2/sign_in`)
  t.equal(other.status, 200, 'other routes are not limited')
})

t.test('loginRateLimit=0 turns the limit off', async (t) => {
  const stack = await startStack(t, { config: { loginRateLimit: 0 } })
  const statuses = []
  for (let i = 0; i < 25; i++) statuses.push((await hit(`${stack.proxyUrl}/oauth2/start`)).status)
  t.same(statuses, Array(25).fill(302))
})

t.test('a small limit on the memory store applies to callback too', async (t) => {
  const stack = await startStack(t, { config: { loginRateLimit: '2/1m' } })
  const statuses = []
  for (let i = 0; i < 3; i++) statuses.push((await hit(`${stack.proxyUrl}/oauth2/callback?code=a&state=b`)).status)
  t.same(statuses, [403, 403, 429])
})

// Connections from another loopback address: a distinct client IP, as the proxy's socket sees it.
function clientAt (t: Test, address: string): Agent {
  const agent = new Agent({ localAddress: address })
  t.teardown(() => agent.close())
  return agent
}

t.test('each client IP has its own count: one is limited while another still passes', async (t) => {
  const stack = await startStack(t)
  const [a, b] = [clientAt(t, '127.0.0.2'), clientAt(t, '127.0.0.3')]
  const url = `${stack.proxyUrl}/oauth2/start`
  for (let i = 1; i <= 20; i++) t.equal((await hit(url, 'text/html', a)).status, 302, `127.0.0.2: start ${i} of 20`)
  t.equal((await hit(url, 'text/html', a)).status, 429, '127.0.0.2: the 21st is refused')
  for (let i = 1; i <= 20; i++) t.equal((await hit(url, 'text/html', b)).status, 302, `127.0.0.3: start ${i} of 20, after 127.0.0.2 was limited`)
  t.equal((await hit(url, 'text/html', b)).status, 429, '127.0.0.3: its own 21st is refused')
  t.ok(stack.logs.join('').includes('"event":"rate_limited"'), 'a refusal is logged')
})

t.test('behind a trustProxy hop the client IP comes from X-Forwarded-For; from anyone else it is ignored', async (t) => {
  const stack = await startStack(t, { config: { trustProxy: '127.0.0.2', loginRateLimit: '2/1m' } })
  const url = `${stack.proxyUrl}/oauth2/start`
  const hop = clientAt(t, '127.0.0.2')
  const statuses = async (dispatcher: Dispatcher, forwardedFor: string, n: number): Promise<number[]> => {
    const out = []
    for (let i = 0; i < n; i++) out.push((await hit(url, 'application/json', dispatcher, { 'x-forwarded-for': forwardedFor })).status)
    return out
  }
  t.same(await statuses(hop, '203.0.113.7', 3), [302, 302, 429], 'one client behind the hop: limited')
  t.same(await statuses(hop, '203.0.113.8', 2), [302, 302], 'another client behind the same hop: its own count')

  // A client that is no trusted hop cannot pick a fresh address per request.
  const direct = clientAt(t, '127.0.0.3')
  const spoofed = []
  for (let i = 0; i < 3; i++) spoofed.push((await hit(url, 'application/json', direct, { 'x-forwarded-for': `198.51.100.${i}` })).status)
  t.same(spoofed, [302, 302, 429], 'a spoofed X-Forwarded-For from an untrusted peer does not reset its count')
})
