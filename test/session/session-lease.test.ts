// SPEC §7 / oauth2-proxy #3456: the refresh lock's lease is renewed before every AIHubMix call
// made under it, and a holder whose lease was lost aborts without calling AIHubMix, so a
// rotated refresh token is never spent twice. Two session services ("replicas") on one real
// Redis and the real simulator, which rotates refresh tokens and revokes the grant on reuse.
import { Writable } from 'node:stream'
import type { FastifyBaseLogger } from 'fastify'
import { pino } from 'pino'
import t, { type Test } from 'tap'
import { createProviderClient, type ProviderClient } from '../../src/provider/client.js'
import { createRedisStore } from '../../src/session/redis-store.js'
import { createRedisClient } from '../../src/session/redis-client.js'
import { createSessionService, type SessionService } from '../../src/session/service.js'
import type { SessionStore } from '../../src/session/store.js'
import { buildSimulator, type Simulator } from '../../src/simulator/app.js'
import type { Ticket } from '../../src/session/ticket.js'
import type { TokenSet, UserInfo } from '../../src/provider/responses.js'
import { Browser } from '../helpers/browser.js'
import { rawClient, SHARED_REDIS_URL, uniquePrefix, until } from './redis-helpers.js'
import { randomBytes } from 'node:crypto'

const ACCESS_TTL_MS = 7200 * 1000
// A's lease: 2 × 100 ms + 1 s = 1.2 s.
const SHORT_PROVIDER_TIMEOUT_MS = 100

function capture (): { log: FastifyBaseLogger, lines: string[] } {
  const lines: string[] = []
  const sink = new Writable({ write (chunk, _enc, cb) { lines.push(String(chunk)); cb() } })
  return { log: pino({ level: 'debug' }, sink) as unknown as FastifyBaseLogger, lines }
}

function service (store: SessionStore, provider: ProviderClient, now: () => number, providerTimeout: number): SessionService {
  return createSessionService({
    store,
    provider,
    now,
    randomBytes,
    sessionIdleTimeout: 7 * 86_400_000,
    sessionMaxAge: 30 * 86_400_000,
    refreshSkew: 5 * 60_000,
    userinfoTtl: 30_000,
    providerTimeout
  })
}

interface Setup {
  simulator: Simulator
  sim: { offset: number }
  provider: ProviderClient
  store: SessionStore
  tokens: TokenSet
  user: UserInfo
}

async function setup (t: Test): Promise<Setup> {
  const sim = { offset: 0 }
  const simulator = await buildSimulator({ now: () => Date.now() + sim.offset })
  const simulatorUrl = await simulator.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => simulator.close())
  const url = (path: string): URL => new URL(path, simulatorUrl)
  const provider = createProviderClient({
    authorizeUrl: url('/api/oauth2/authorize'),
    tokenUrl: url('/api/oauth2/token'),
    userinfoUrl: url('/api/oauth2/userinfo'),
    topupUrl: url('/api/oauth2/topup'),
    appsUrl: url('/api/oauth_apps'),
    clientId: 'demo-client',
    clientSecret: 'demo-secret',
    redirectUri: 'http://localhost:4180/oauth2/callback',
    scope: 'profile balance',
    autoAuthorize: true,
    // the HTTP client's own bound, far above the services' providerTimeout, so a call can
    // outlive a short lease
    timeoutMs: 10_000
  })
  t.teardown(() => provider.close())

  // Alice signs in at the simulator; the code goes straight to the token endpoint.
  const browser = new Browser()
  const authorize = provider.buildAuthorizeUrl({ state: 'lease-test-state' })
  await browser.fetch(authorize)
  const login = await browser.fetch(url('/login').href, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: 'alice', password: 'alice-password', continue: new URL(authorize).pathname + new URL(authorize).search }).toString()
  })
  const back = await browser.fetch(login.location ?? '')
  const code = new URL(back.location ?? '').searchParams.get('code') ?? ''
  const tokens = await provider.exchangeCode({ code })
  const user = await provider.userinfo(tokens.accessToken)

  const prefix = uniquePrefix()
  rawClient(t, prefix)
  const store = createRedisStore({
    client: createRedisClient({ url: SHARED_REDIS_URL, commandTimeoutMs: 1000, connectTimeoutMs: 1000 }),
    keyPrefix: prefix,
    sessionMaxAgeMs: 30 * 86_400_000
  })
  t.teardown(() => store.close())
  await until(async () => await store.ping().then(() => true, () => false))
  return { simulator, sim, provider, store, tokens, user }
}

// Had a rotated refresh token been spent twice, the simulator would have revoked the grant:
// a next refresh would end the session.
async function grantIntact (t: Test, { store, provider, sim }: Setup, ticket: Ticket): Promise<void> {
  const later = service(store, provider, () => Date.now() + 4 * ACCESS_TTL_MS, 2_000)
  sim.offset = 4 * ACCESS_TTL_MS
  t.equal((await later.lookup(ticket, capture().log)).state, 'active', 'the grant is intact: no refresh token was reused')
}

t.test('a lease lost during a slow call: the holder aborts before calling AIHubMix again', async (t) => {
  const env = await setup(t)
  const { simulator, sim, provider, store } = env
  // A: a short lease; its clock sees a fresh token and fresh userinfo.
  const a = service(store, provider, Date.now, SHORT_PROVIDER_TIMEOUT_MS)
  // B: its clock is inside refreshSkew, so its next lookup refreshes.
  const b = service(store, provider, () => Date.now() + ACCESS_TTL_MS - 60_000, 2_000)
  const ticket = await a.create(env.tokens, env.user)
  const aLog = capture()
  const active = await a.lookup(ticket, aLog.log)
  if (active.state !== 'active') throw new Error(`lookup: ${active.state}`)

  // AIHubMix dropped the access token early (its clock is past expiry): A's slow userinfo call
  // answers 401 only after A's lease ran out, and A then wants a refresh.
  sim.offset = ACCESS_TTL_MS + 1000
  simulator.state.setFault({ endpoint: 'userinfo', mode: 'latency', latency_ms: 3_000, times: 1 })
  simulator.state.resetCalls()
  const userinfoNow = a.refreshUserinfo(active, aLog.log, Date.now())
  await until(() => simulator.state.calls.userinfo === 1)
  // B waits for the lock, takes it once A's lease lapsed, and spends the refresh token.
  const refreshed = await b.lookup(ticket, capture().log)
  t.equal(refreshed.state, 'active', 'B refreshed')
  t.equal(simulator.state.calls.token_refresh_token, 1)

  const result = await userinfoNow
  t.equal(result.state, 'active', 'A aborted on its lost lease, then fetched userinfo with B\'s token')
  t.equal(simulator.state.calls.token_refresh_token, 1, 'the refresh token was spent once')
  t.ok(aLog.lines.some((line) => line.includes('"outcome":"lease_lost"')), 'A logged the lost lease')
  if (result.state === 'active' && refreshed.state === 'active') {
    t.equal(result.session.tokens.accessToken, refreshed.session.tokens.accessToken, 'A serves with B\'s token')
    t.equal(result.session.user.balance_formatted, '15.00')
  }
  await grantIntact(t, env, ticket)
})

t.test('three calls under one lock, each shorter than the lease, together longer: renewed, never lapses', async (t) => {
  const env = await setup(t)
  const { simulator, sim, provider, store } = env
  const a = service(store, provider, Date.now, SHORT_PROVIDER_TIMEOUT_MS)
  const b = service(store, provider, () => Date.now() + ACCESS_TTL_MS - 60_000, 2_000)
  const ticket = await a.create(env.tokens, env.user)
  const active = await a.lookup(ticket, capture().log)
  if (active.state !== 'active') throw new Error(`lookup: ${active.state}`)

  // userinfo 401 -> refresh -> userinfo, 0.8 s each under A's 1.2 s lease. The refreshed token
  // lives longer, so B, once it can read it, needs no refresh of its own.
  sim.offset = ACCESS_TTL_MS + 1000
  simulator.state.settings.access_token_ttl = 4 * 7200
  simulator.state.setFault({ endpoint: 'userinfo', mode: 'latency', latency_ms: 800, times: 2 })
  simulator.state.setFault({ endpoint: 'token', mode: 'latency', latency_ms: 800, times: 1 })
  simulator.state.resetCalls()
  const userinfoNow = a.refreshUserinfo(active, capture().log, Date.now())
  await until(() => simulator.state.calls.userinfo === 1)
  const waited = await b.lookup(ticket, capture().log)
  const result = await userinfoNow
  t.equal(result.state, 'active', 'A fetched userinfo after its refresh')
  t.equal(waited.state, 'active', 'B waited for A and took its result')
  t.equal(simulator.state.calls.token_refresh_token, 1, 'one refresh: B never took over a lapsed lease')
  t.equal(simulator.state.calls.userinfo, 2)
  await grantIntact(t, env, ticket)
})
