// SPEC §3 allowedUsers / allowedEmailDomains on cookie sessions, over real sockets: checked on
// every proxied request, so a rule narrowed after login (here: a replica with the new rule on
// the same store, as after a config change and restart) refuses a session that already exists,
// with a 403 page for a browser and 403 JSON for an API client, and the upstream never sees the
// request. The session itself is kept: widening the rule again lets it back in.
import t from 'tap'
import { request } from 'undici'
import { Browser, signIn } from '../helpers/browser.js'
import { startRecordingUpstream } from '../helpers/recording-upstream.js'
import { makeStore, startStack, type Stack } from '../helpers/stack.js'

const HTML = 'text/html,application/xhtml+xml'

interface Answer { status: number, contentType: string, body: string }

async function get (url: string, headers: Record<string, string>): Promise<Answer> {
  const res = await request(url, { headers })
  return { status: res.statusCode, contentType: String(res.headers['content-type']), body: await res.body.text() }
}

t.test('a narrowed allow rule refuses an existing session on proxied requests: 403 page or JSON', async (t) => {
  const upstream = await startRecordingUpstream(t)
  const store = makeStore('memory')
  t.teardown(() => store.close())
  const open = await startStack(t, { sharedStore: store, config: { upstream: upstream.url } })
  const replica = async (config: Record<string, unknown>): Promise<Stack> =>
    await startStack(t, { sharedStore: store, replicaOf: open, config: { upstream: upstream.url, ...config } })

  const browser = new Browser()
  const login = await signIn(browser, open.proxyUrl)
  t.equal(login.status, 302, 'alice (1001, alice@example.com) signed in while everyone was allowed')
  const cookie = [...browser.cookies(open.proxyUrl)].map(([k, v]) => `${k}=${v}`).join('; ')

  // [rule, alice allowed?, why]
  const rules: Array<[Record<string, unknown>, boolean, string]> = [
    [{ allowedUsers: '1002' }, false, 'another user id only'],
    [{ allowedEmailDomains: 'example.cn' }, false, 'another email domain only'],
    [{ allowedEmailDomains: '.example.com' }, false, '.example.com: subdomains only, not example.com itself'],
    [{ allowedEmailDomains: 'sub.example.com' }, false, 'a subdomain is not its parent'],
    [{ allowedUsers: '1002,1003', allowedEmailDomains: 'example.cn,.example.com' }, false, 'no set list matches'],
    [{ allowedUsers: '1001' }, true, 'her id'],
    [{ allowedEmailDomains: 'EXAMPLE.com' }, true, 'her domain, case-insensitive'],
    [{ allowedUsers: '1002', allowedEmailDomains: 'example.com' }, true, 'either list may match']
  ]
  for (const [rule, allowed, why] of rules) {
    const stack = await replica(rule)
    upstream.seen.length = 0
    const page = await get(`${stack.proxyUrl}/dashboard`, { cookie, accept: HTML })
    const api = await get(`${stack.proxyUrl}/api/items`, { cookie, accept: 'application/json' })
    if (allowed) {
      t.equal(page.status, 200, `${why}: proxied`)
      t.equal(api.status, 200, `${why}: proxied (API)`)
      t.same(upstream.seen.map((r) => r.headers['x-user-id']), ['1001', '1001'], `${why}: as alice`)
      continue
    }
    t.equal(page.status, 403, `${why}: a browser gets 403`)
    t.match(page.contentType, /^text\/html/, `${why}: as a page`)
    t.match(page.body, /<html/i)
    t.equal(api.status, 403, `${why}: an API client gets 403`)
    t.match(api.contentType, /^application\/json/)
    t.same(JSON.parse(api.body), { error: 'forbidden' }, `${why}: JSON {error:"forbidden"}`)
    t.same(upstream.seen, [], `${why}: the upstream never saw the request`)
  }

  upstream.seen.length = 0
  const back = await get(`${open.proxyUrl}/dashboard`, { cookie, accept: 'application/json' })
  t.equal(back.status, 200, 'the refused session was kept: the open rule lets it in again')
  t.equal(upstream.seen[0]?.headers['x-user-id'], '1001')
})
