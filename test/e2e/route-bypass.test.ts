// SPEC §5 "one path, matched and forwarded": path tricks that would make a skipAuthRoutes
// matcher see a public path while the upstream serves a private one. Each is refused signed
// out, and a real upstream that records every request line proves none of them reached it.
// Signed in, the upstream receives exactly the normalized path the rules matched.
import t, { type Test } from 'tap'
import { Browser, signIn } from '../helpers/browser.js'
import { startRecordingUpstream, type RecordingUpstream } from '../helpers/recording-upstream.js'
import { startStack, type Stack } from '../helpers/stack.js'
import { rawGet } from '../helpers/raw-get.js'

function cookieHeader (browser: Browser, url: string): string {
  return [...browser.cookies(url)].map(([k, v]) => `${k}=${v}`).join('; ')
}

const BROWSER = { accept: 'text/html,application/xhtml+xml' }
const API = { accept: 'application/json' }

// [raw path, normalized path the rules match and the upstream gets, or undefined for a 400]
const TRICKS: Array<[string, string | undefined]> = [
  ['/public/../admin', '/admin'],
  ['/public/%2e%2e/admin', '/admin'],
  ['/public/%2E%2E/admin', '/admin'],
  ['/public/..%2fadmin', undefined],
  ['//admin', '/admin'],
  ['/public/..;/admin', undefined],
  ['/admin#/public', '/admin'],
  ['/admin?/public', '/admin?/public'],
  ['/PUBLIC/../admin', '/admin'],
  // skip rules are case-sensitive: the allow-list fails safe
  ['/Public/x', '/Public/x'],
  ['/public./../admin', '/admin'],
  ['/admin.', '/admin.'],
  ['/public%2f../admin', undefined],
  ['/public/./../../admin', undefined]
]

async function stackWithRecorder (t: Test, config: Record<string, unknown>): Promise<{ stack: Stack, upstream: RecordingUpstream }> {
  const upstream = await startRecordingUpstream(t)
  const stack = await startStack(t, { config: { upstream: upstream.url, ...config } })
  return { stack, upstream }
}

// Anchored, and unanchored as operators write it too: `/public` also matches anywhere in the
// string, so `/admin#/public` or `/admin?/public` would pass it if the rules saw the raw URL.
for (const rule of ['^/public', '/public']) {
  t.test(`path tricks against skipAuthRoutes ${rule} are refused signed out and never reach the upstream`, async (t) => {
    await trickTest(t, rule)
  })
}

async function trickTest (t: Test, rule: string): Promise<void> {
  const { stack, upstream } = await stackWithRecorder(t, { skipAuthRoutes: rule })

  const open = await rawGet(stack.proxyUrl, '/public/page', API)
  t.equal(open.status, 200, 'the real skipped route is proxied signed out (the rule is live)')
  t.same(upstream.seen.map((r) => r.url), ['/public/page'])
  upstream.seen.length = 0

  for (const [sent, normalized] of TRICKS) {
    const api = await rawGet(stack.proxyUrl, sent, API)
    const page = await rawGet(stack.proxyUrl, sent, BROWSER)
    if (normalized === undefined) {
      t.equal(api.status, 400, `${sent}: 400 for an API client`)
      t.same(JSON.parse(api.body), { error: 'bad_request' }, `${sent}: JSON bad_request`)
      t.equal(page.status, 400, `${sent}: 400 for a browser`)
      continue
    }
    t.equal(api.status, 401, `${sent}: 401 for an API client`)
    t.match(JSON.parse(api.body), { error: 'unauthorized' }, `${sent}: JSON unauthorized`)
    t.equal(page.status, 302, `${sent}: 302 for a browser`)
    // The sign-in round trip comes back to the path that was matched, not the raw trick.
    t.equal(page.location, `/oauth2/sign_in?rd=${encodeURIComponent(normalized)}`, `${sent}: rd is the normalized path`)
  }
  t.same(upstream.seen, [], 'the upstream received nothing at all while signed out')
}

t.test('signed in, the upstream receives the normalized path, the same string the rules matched', async (t) => {
  const { stack, upstream } = await stackWithRecorder(t, { skipAuthRoutes: '^/public' })
  const browser = new Browser()
  await signIn(browser, stack.proxyUrl)
  const cookie = cookieHeader(browser, stack.proxyUrl)

  for (const [sent, normalized] of TRICKS) {
    upstream.seen.length = 0
    const res = await rawGet(stack.proxyUrl, sent, { ...API, cookie })
    if (normalized === undefined) {
      t.equal(res.status, 400, `${sent}: still 400 signed in`)
      t.same(upstream.seen, [], `${sent}: never forwarded`)
      continue
    }
    t.equal(res.status, 200, `${sent}: proxied signed in`)
    t.same(upstream.seen.map((r) => r.url), [normalized], `${sent}: the upstream got ${normalized}`)
    t.equal(upstream.seen[0]?.headers['x-user-id'], '1001', `${sent}: as the signed-in user`)
  }
})

t.test('apiRoutes match the normalized path too: 401, never a redirect, whatever the spelling', async (t) => {
  const { stack, upstream } = await stackWithRecorder(t, { skipAuthRoutes: '^/public', apiRoutes: '^/api/' })
  const cases: Array<[string, number, string]> = [
    ['/api/data', 401, 'a plain API path'],
    ['/public/../api/data', 401, 'climbing out of a skipped route into an API route'],
    ['//api//data', 401, 'merged slashes'],
    ['/x/%2e%2e/api/data', 401, 'an encoded dot segment'],
    // Not an API route once normalized: a browser is sent to sign in.
    ['/api/../admin', 302, 'climbing out of an API route'],
    ['/API/data', 302, 'apiRoutes are case-sensitive']
  ]
  for (const [sent, status, why] of cases) {
    const res = await rawGet(stack.proxyUrl, sent, BROWSER)
    t.equal(res.status, status, `${sent}: ${status} (${why})`)
  }
  t.same(upstream.seen, [], 'the upstream received nothing')
})
