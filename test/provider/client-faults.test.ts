// Every simulator fault mode on every endpoint (SPEC §9): an outage, a broken body or a stalled
// answer is "unavailable" (the session is kept), never "grant invalid"; stalls end at timeoutMs.
// After each fault the same client works again: the shared dispatcher is not poisoned.
import t from 'tap'
import type { ProviderClient } from '../../src/provider/client.js'
import { isGrantInvalid, isProviderUnavailable } from '../../src/provider/failure.js'
import type { TokenSet } from '../../src/provider/responses.js'
import { DEMO, DEVELOPER_TOKEN, leaks, startProvider } from './harness.js'

const UNAVAILABLE = 'AAP_ERR_PROVIDER_UNAVAILABLE'
const BAD = 'AAP_ERR_PROVIDER_BAD_RESPONSE'
const TIMEOUT = 'AAP_ERR_PROVIDER_TIMEOUT'
const REJECTED = 'AAP_ERR_PROVIDER_REJECTED'

interface Mode { fault: Record<string, unknown>, code: string, status?: number }

const MODES: Record<string, Mode> = {
  'status 500': { fault: { mode: 'status', status: 500 }, code: UNAVAILABLE, status: 500 },
  'status 503': { fault: { mode: 'status', status: 503 }, code: UNAVAILABLE, status: 503 },
  'status 429': { fault: { mode: 'status', status: 429 }, code: UNAVAILABLE, status: 429 },
  reset: { fault: { mode: 'reset' }, code: UNAVAILABLE },
  malformed: { fault: { mode: 'malformed' }, code: BAD },
  oversized: { fault: { mode: 'oversized' }, code: BAD },
  html: { fault: { mode: 'html' }, code: BAD },
  'wrong-types': { fault: { mode: 'wrong-types' }, code: BAD },
  hang: { fault: { mode: 'hang' }, code: TIMEOUT },
  'no-headers': { fault: { mode: 'no-headers' }, code: TIMEOUT }
}

type Endpoint = 'refresh' | 'userinfo' | 'topup' | 'apps'
const FAULT_TARGET: Record<Endpoint, string> = { refresh: 'token', userinfo: 'userinfo', topup: 'topup', apps: 'apps' }

t.test('fault modes', async (t) => {
  const provider = await startProvider(t)
  // 300 ms: short enough for a quick test, long enough for a local simulator.
  const client = provider.client({ timeoutMs: 300 })
  const back = await provider.login(client.buildAuthorizeUrl({ state: 'st' }))
  let tokens: TokenSet = await client.exchangeCode({ code: back.searchParams.get('code') ?? '' })
  const secrets = (): string[] => [DEMO.clientSecret, DEVELOPER_TOKEN, tokens.accessToken, tokens.refreshToken ?? '']

  const calls: Record<Endpoint, (c: ProviderClient) => Promise<unknown>> = {
    refresh: async (c) => { tokens = { ...tokens, ...await c.refresh(tokens.refreshToken ?? '') } },
    userinfo: (c) => c.userinfo(tokens.accessToken),
    topup: (c) => c.topup(tokens.accessToken),
    apps: (c) => c.registerApp(DEVELOPER_TOKEN, { name: 'app', description: '', redirectUri: 'https://a.example/cb' })
  }

  for (const [endpoint, call] of Object.entries(calls) as Array<[Endpoint, (c: ProviderClient) => Promise<unknown>]>) {
    for (const [name, mode] of Object.entries(MODES)) {
      await t.test(`${endpoint}: ${name}`, async (t) => {
        await provider.control('POST', '/faults', { endpoint: FAULT_TARGET[endpoint], times: 1, ...mode.fault })
        const err = await call(client).then(() => undefined, (e: unknown) => e)
        t.match(err, { code: mode.code, endpoint, ...(mode.status === undefined ? {} : { status: mode.status }) })
        t.ok(isProviderUnavailable(err) && !isGrantInvalid(err), 'the session would be kept')
        t.same(leaks(err, secrets()), [])
        await t.resolves(call(client), 'the next call succeeds')
      })
    }
  }
})

t.test('the code exchange under faults, and a 4xx fault is a refusal', async (t) => {
  const provider = await startProvider(t)
  const client = provider.client({ timeoutMs: 300 })
  for (const [fault, code] of [
    [{ mode: 'hang' }, TIMEOUT],
    [{ mode: 'status', status: 502 }, UNAVAILABLE],
    [{ mode: 'status', status: 400 }, REJECTED]
  ] as const) {
    await provider.control('POST', '/faults', { endpoint: 'token', times: 1, ...fault })
    const err = await client.exchangeCode({ code: 'some-code', codeVerifier: 'v'.repeat(43) }).then(() => undefined, (e: unknown) => e)
    t.match(err, { code, endpoint: 'token' }, fault.mode)
    t.same(leaks(err, ['some-code', 'v'.repeat(43), DEMO.clientSecret]), [])
  }
  t.same(provider.calls.map((c) => c.outcome), ['timeout', 'unavailable', 'rejected'])
})

t.test('latency below the timeout is fine; the provider down is unavailable', async (t) => {
  const provider = await startProvider(t)
  const client = provider.client({ timeoutMs: 5000 })
  const back = await provider.login(client.buildAuthorizeUrl({ state: 'st' }))
  const tokens = await client.exchangeCode({ code: back.searchParams.get('code') ?? '' })
  await provider.control('POST', '/faults', { endpoint: 'userinfo', mode: 'latency', latency_ms: 50, times: 1 })
  t.match(await client.userinfo(tokens.accessToken), { id: 1001 })

  const closed = provider.client({ userinfoUrl: new URL('http://127.0.0.1:1/api/oauth2/userinfo') })
  const err = await closed.userinfo(tokens.accessToken).then(() => undefined, (e: unknown) => e)
  t.match(err, { code: UNAVAILABLE, endpoint: 'userinfo' })
  t.ok((err as Error).cause, 'the transport error is kept as cause')
  t.same(leaks(err, [tokens.accessToken]), [])
})
