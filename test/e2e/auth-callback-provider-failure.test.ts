// SPEC §4: AIHubMix failing at the callback (a 5xx, a malformed body, a call that hangs past
// providerTimeout), on the token or the userinfo call, answers the 502 page and creates no
// session: no cookie, and nothing in the store.
import t from 'tap'
import { Browser, followProvider } from '../helpers/browser.js'
import { startStack } from '../helpers/stack.js'
import { rawClient, uniquePrefix } from '../session/redis-helpers.js'
import { sharedRedisStore } from './refresh-helpers.js'

const ALICE = { username: 'alice', password: 'alice-password' }

t.test('AIHubMix failing at the callback: 502 page, no session', async (t) => {
  const prefix = uniquePrefix()
  const store = await sharedRedisStore(t, prefix)
  const redis = rawClient(t, prefix)
  const stack = await startStack(t, { sharedStore: store, config: { providerTimeout: '1s' } })

  const faults: Array<Record<string, unknown>> = [
    { endpoint: 'token', mode: 'status', status: 500 },
    { endpoint: 'token', mode: 'status', status: 503, error: 'temporarily_unavailable' },
    { endpoint: 'token', mode: 'malformed' },
    { endpoint: 'token', mode: 'html' },
    { endpoint: 'token', mode: 'hang' },
    { endpoint: 'token', mode: 'no-headers' },
    { endpoint: 'token', mode: 'reset' },
    { endpoint: 'userinfo', mode: 'status', status: 500 },
    { endpoint: 'userinfo', mode: 'malformed' },
    { endpoint: 'userinfo', mode: 'hang' }
  ]
  for (const fault of faults) {
    const label = `${String(fault.endpoint)} ${String(fault.mode)}${fault.status === undefined ? '' : ` ${String(fault.status)}`}`
    const set = await fetch(`${stack.simulatorUrl}/__control/faults`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...fault, times: 1 })
    })
    t.equal(set.status, 200, `fault set: ${label}`)
    const browser = new Browser()
    const start = await browser.fetch(`${stack.proxyUrl}/oauth2/start?rd=%2Fmine`)
    const began = Date.now()
    const back = await followProvider(browser, start.location ?? '', ALICE)
    const took = Date.now() - began
    t.equal(back.status, 502, `${label}: 502`)
    t.match(String(back.headers['content-type']), /text\/html/, `${label}: a page`)
    t.match(back.body, /href="\/oauth2\/sign_in\?rd=%2Fmine"/, `${label}: a way back that keeps rd`)
    t.ok(took < 8000, `${label}: answered within the provider timeout's bound (${took} ms)`)
    t.notOk(browser.cookies(stack.proxyUrl).has('_aihubmix_auth'), `${label}: no session cookie`)
    const keys = await redis.keys(`${prefix}*`)
    t.same(keys.filter((k) => k.endsWith('}:s') || k.startsWith(`${prefix}u:`)), [], `${label}: no session in the store`)
  }
  t.equal((await fetch(`${stack.simulatorUrl}/__control/faults`).then(async (r) => await r.json()) as { faults: unknown[] }).faults.length, 0,
    'every fault was used')
})
