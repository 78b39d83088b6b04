import t from 'tap'
import { Browser, signIn } from '../helpers/browser.js'
import { deleteKeys, makeStore, startStack } from '../helpers/stack.js'
import { freePort, uniquePrefix } from '../session/redis-helpers.js'
import { CLIENT_SECRET, COOKIE_SECRET, validEnv } from '../config/fixtures.js'
import { run } from './capture.js'

const REDIS_URL = 'redis://127.0.0.1:6379'
const ZHANGSAN = { username: '张三', password: 'zhangsan-password' }

// What an API client (no text/html in Accept) gets from the proxy with this browser's cookie.
async function apiStatus (browser: Browser, proxyUrl: string): Promise<number> {
  return (await browser.fetch(`${proxyUrl}/headers`, { headers: { accept: 'application/json' } })).status
}

t.test('ends every session of the user on the proxy, and only theirs', async (t) => {
  const prefix = uniquePrefix()
  const store = makeStore('redis', prefix)
  t.teardown(async () => {
    await store.close()
    await deleteKeys(prefix)
  })
  const stack = await startStack(t, { sharedStore: store })
  const alice1 = new Browser()
  const alice2 = new Browser()
  const zhangsan = new Browser()
  t.equal((await signIn(alice1, stack.proxyUrl)).status, 302)
  t.equal((await signIn(alice2, stack.proxyUrl)).status, 302)
  t.equal((await signIn(zhangsan, stack.proxyUrl, ZHANGSAN)).status, 302)
  for (const b of [alice1, alice2, zhangsan]) t.equal(await apiStatus(b, stack.proxyUrl), 200, 'signed in before')

  // the proxy pod's own environment: the same variables serve reads
  const env = { ...validEnv, AUTH_PROXY_REDIS_URL: REDIS_URL, AUTH_PROXY_REDIS_KEY_PREFIX: prefix }
  const r = await run(['revoke-user', '--user-id', '1001'], env)
  t.equal(r.code, 0, r.stderr)
  t.equal(r.stdout, 'revoked 2 sessions of user 1001\n')
  t.equal(r.stderr, '')

  t.equal(await apiStatus(alice1, stack.proxyUrl), 401, 'alice\'s first session is gone')
  t.equal(await apiStatus(alice2, stack.proxyUrl), 401, 'alice\'s second session is gone')
  const other = await zhangsan.fetch(`${stack.proxyUrl}/headers`, { headers: { accept: 'application/json' } })
  t.equal(other.status, 200, '张三 is still signed in')
  t.equal((JSON.parse(other.body) as Record<string, string>)['x-user-id'], '1002')

  // configuration flags pass through next to --user-id, in either order and spelling
  const again = await run(['revoke-user', '--redis-key-prefix', prefix, '--user-id=1001'], { ...validEnv, AUTH_PROXY_REDIS_URL: REDIS_URL })
  t.equal(again.code, 0, again.stderr)
  t.equal(again.stdout, 'revoked 0 sessions of user 1001\n', 'nothing left to revoke')

  t.equal((await signIn(alice1, stack.proxyUrl)).status, 302, 'alice can sign in again')
  t.equal(await apiStatus(alice1, stack.proxyUrl), 200)
  const once = await run(['revoke-user', '--user-id', '1001'], env)
  t.equal(once.stdout, 'revoked 1 session of user 1001\n', 'the new login was indexed too')
})

t.test('refuses the memory store: its sessions live inside each proxy process', async (t) => {
  const r = await run(['revoke-user', '--user-id', '1001'], validEnv)
  t.equal(r.code, 2)
  t.equal(r.stdout, '')
  t.match(r.stderr, /^revoke-user: sessionStore is memory: .*Redis/)
  t.equal(r.stderr.trimEnd().split('\n').length, 1)
})

t.test('--user-id missing or not a plain id is a usage error', async (t) => {
  const env = { ...validEnv, AUTH_PROXY_REDIS_URL: REDIS_URL }
  for (const argv of [[], ['--user-id'], ['--user-id', ''], ['--user-id=1001 '], ['--user-id', '10"01'], ['--user-id', '*'], ['--user-id', 'a'.repeat(129)]]) {
    const r = await run(['revoke-user', ...argv], env)
    t.equal(r.code, 2, JSON.stringify(argv))
    t.equal(r.stdout, '')
    t.match(r.stderr, /--user-id/)
  }
  const typo = await run(['revoke-user', '--user-ib', '1001'], env)
  t.equal(typo.code, 2)
  t.match(typo.stderr, 'unknown flag --user-ib (did you mean --user-id?)')
  const twice = await run(['revoke-user', '--user-id', '1', '--user-id', '2'], env)
  t.equal(twice.code, 2, 'one user per run')
})

t.test('a bad configuration is reported like serve reports it, without the secrets', async (t) => {
  const r = await run(['revoke-user', '--user-id', '1001', '--redis-url', 'redis://:p@ss@[bad'], { ...validEnv, AUTH_PROXY_UPSTREAM: undefined })
  t.equal(r.code, 2)
  t.match(r.stderr, 'upstream: required')
  t.match(r.stderr, '--redis-url')
  t.notMatch(r.stderr, 'p@ss')
  t.notMatch(r.stderr, CLIENT_SECRET)
  t.notMatch(r.stderr, COOKIE_SECRET)
})

t.test('an unreachable store fails with exit 1 in seconds, one line, no URL or password', async (t) => {
  const port = await freePort()
  const password = 'redis-pw-7Yq2'
  const started = Date.now()
  const r = await run(['revoke-user', '--user-id', '1001'], { ...validEnv, AUTH_PROXY_REDIS_URL: `redis://:${password}@127.0.0.1:${port}/0` })
  const took = Date.now() - started
  t.equal(r.code, 1)
  t.ok(took < 6_000, `gave up after ${took} ms`)
  t.equal(r.stdout, '')
  t.match(r.stderr, /^revoke-user: the session store did not answer \(ECONNREFUSED\)/)
  t.equal(r.stderr.trimEnd().split('\n').length, 1, 'one line, no stack')
  t.notMatch(r.stderr, password)
  t.notMatch(r.stderr, 'redis://')
  t.notMatch(r.stderr, String(port))
})

t.test('--help needs no configuration', async (t) => {
  const r = await run(['revoke-user', '--help'])
  t.equal(r.code, 0)
  t.match(r.stdout, /^Usage: aihubmix-auth-proxy revoke-user --user-id ID/)
  t.match(r.stdout, 'memory')
})
