// SPEC §3 loginRateLimit (default 20/1m): start and callback per client IP, shared by replicas
// through Redis, 429 with Retry-After as a page or JSON. Real sockets, real Redis.
import t from 'tap'
import { request } from 'undici'
import { deleteKeys, makeStore, startStack, waitReady } from '../helpers/stack.js'

async function hit (url: string, accept = 'text/html'): Promise<{ status: number, retryAfter: unknown, body: string, type: string }> {
  const res = await request(url, { headers: { accept } })
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
