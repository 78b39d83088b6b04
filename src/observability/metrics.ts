// Prometheus metrics (SPEC §10), prefix aihubmix_auth_proxy_. Each createMetrics() owns a fresh
// Registry (STYLE §3.4: never prom-client's default one), so two apps in one process never
// share or clash. Labels only take values from the fixed sets below: no path, user id or
// provider text can reach a label, so the number of series stays bounded whatever clients send.
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { ProviderEndpoint, outcomeOf } from '../provider/failure.js'
import type { RouteKind } from '../request-context.js'
import type { SessionStore } from '../session/store.js'

export const METRICS_PREFIX = 'aihubmix_auth_proxy_'

// The `outcome` values of the callback's `event: 'login'` log lines (routes/auth/callback.ts),
// so a spike on a dashboard is one log query away: every outcome, bad_request and
// store_unavailable included, has its line, written with the count in one place (loginEvent).
export const LOGIN_OUTCOMES = [
  'ok',
  'bad_request', // malformed or missing code/state
  'provider_refused', // AIHubMix redirected back with ?error= (user declined, or its own failure)
  'state_mismatch', // no login-state cookie matches the state
  'state_replayed', // the state was already used once
  'code_refused', // the token endpoint said invalid_grant for the code
  'provider_error', // AIHubMix unreachable, timed out or answered badly
  'not_allowed', // allowedUsers / allowedEmailDomains refused the account
  'disabled', // the AIHubMix account is disabled
  'store_unavailable' // the state check or the session write could not reach the store
] as const
export type LoginOutcome = typeof LOGIN_OUTCOMES[number]

// The `outcome` values of the `event: 'token_refresh'` log lines (session/service.ts).
export const REFRESH_OUTCOMES = ['ok', 'grant_invalid', 'unavailable'] as const
export type RefreshOutcome = typeof REFRESH_OUTCOMES[number]

// What ProviderClientOptions.onCall reports: 'ok' or outcomeOf(err).
export type ProviderCallOutcome = 'ok' | ReturnType<typeof outcomeOf>

// Each SessionStore call that can fail, plus connection errors the Redis client reports as events.
export const STORE_OPERATIONS = [
  'get', 'getWithTtl', 'set', 'update', 'expire', 'delete', 'claimOnce', 'hit', 'acquireLock', 'renewLock',
  'releaseLock', 'deleteUserSessions', 'ping', 'connection'
] as const
export type StoreOperation = typeof STORE_OPERATIONS[number]

// timeout: no response headers within upstreamTimeout (504); connect: the upstream could not be
// reached (refused, DNS, connect timeout); reset: the connection dropped mid-exchange.
export const UPSTREAM_ERROR_KINDS = ['timeout', 'connect', 'reset', 'other'] as const
export type UpstreamErrorKind = typeof UPSTREAM_ERROR_KINDS[number]

// Node's parser only accepts known methods, but Fastify routes more than these (WebDAV, ...):
// the rare ones share one value instead of one series each.
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])

// Up to 60 s: upstreamTimeout's default, beyond which a response without headers is a 504.
// Streams (SSE) last longer and land in +Inf.
const REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]
// Up to providerTimeout's default (10 s) and a little past it, for a raised timeout.
const PROVIDER_BUCKETS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

export interface MetricsOptions {
  /** default: a new Registry */
  registry?: Registry
  /** prom-client's process and Node.js metrics, with the same prefix; default true */
  collectDefault?: boolean
}

export interface Metrics {
  readonly registry: Registry
  /** one finished request; `kind` is the route's config.routeKind (unset counts as 'other') */
  observeRequest (kind: RouteKind | undefined, method: string, statusCode: number, seconds: number): void
  login (outcome: LoginOutcome): void
  tokenRefresh (outcome: RefreshOutcome): void
  /** the shape of ProviderClientOptions.onCall */
  providerCall (endpoint: ProviderEndpoint, durationMs: number, outcome: ProviderCallOutcome): void
  sessionStoreError (operation: StoreOperation): void
  upstreamError (kind: UpstreamErrorKind): void
}

export function createMetrics (options: MetricsOptions = {}): Metrics {
  const registry = options.registry ?? new Registry()
  const registers = [registry]
  if (options.collectDefault ?? true) collectDefaultMetrics({ register: registry, prefix: METRICS_PREFIX })

  const requests = new Counter({
    name: `${METRICS_PREFIX}requests_total`,
    help: 'Requests answered, by route kind, method and HTTP status',
    labelNames: ['kind', 'method', 'status'] as const,
    registers
  })
  const requestDuration = new Histogram({
    name: `${METRICS_PREFIX}request_duration_seconds`,
    help: 'Time from receiving a request to finishing its response, by route kind',
    labelNames: ['kind'] as const,
    buckets: REQUEST_BUCKETS,
    registers
  })
  const logins = new Counter({
    name: `${METRICS_PREFIX}logins_total`,
    help: 'Login callbacks, by outcome',
    labelNames: ['outcome'] as const,
    registers
  })
  const refreshes = new Counter({
    name: `${METRICS_PREFIX}token_refreshes_total`,
    help: 'Access token refreshes sent to AIHubMix, by outcome',
    labelNames: ['outcome'] as const,
    registers
  })
  const providerDuration = new Histogram({
    name: `${METRICS_PREFIX}provider_request_duration_seconds`,
    help: 'AIHubMix calls, by endpoint and outcome',
    labelNames: ['endpoint', 'outcome'] as const,
    buckets: PROVIDER_BUCKETS,
    registers
  })
  const storeErrors = new Counter({
    name: `${METRICS_PREFIX}session_store_errors_total`,
    help: 'Session store calls that failed, and store connection errors, by operation',
    labelNames: ['operation'] as const,
    registers
  })
  const upstreamErrors = new Counter({
    name: `${METRICS_PREFIX}upstream_errors_total`,
    help: 'Proxied requests that got no response from the upstream, by kind',
    labelNames: ['kind'] as const,
    registers
  })

  // Every series of a fixed set exists from the start at 0, so rate() and increase() see the
  // first failure after a restart instead of a series that appears already at 1.
  for (const outcome of LOGIN_OUTCOMES) logins.inc({ outcome }, 0)
  for (const outcome of REFRESH_OUTCOMES) refreshes.inc({ outcome }, 0)
  for (const operation of STORE_OPERATIONS) storeErrors.inc({ operation }, 0)
  for (const kind of UPSTREAM_ERROR_KINDS) upstreamErrors.inc({ kind }, 0)

  return {
    registry,
    observeRequest (kind, method, statusCode, seconds) {
      const k = kind ?? 'other'
      requests.inc({ kind: k, method: METHODS.has(method) ? method : 'other', status: statusCode })
      requestDuration.observe({ kind: k }, seconds)
    },
    login (outcome) { logins.inc({ outcome }) },
    tokenRefresh (outcome) { refreshes.inc({ outcome }) },
    providerCall (endpoint, durationMs, outcome) {
      providerDuration.observe({ endpoint, outcome }, durationMs / 1000)
    },
    sessionStoreError (operation) { storeErrors.inc({ operation }) },
    upstreamError (kind) { upstreamErrors.inc({ kind }) }
  }
}

/**
 * The store with every failed call counted under its operation; results and errors pass
 * through unchanged. Counting here, not at each caller, also catches failures a caller
 * swallows on purpose (a lock release after a refresh).
 */
export function instrumentStore (store: SessionStore, metrics: Pick<Metrics, 'sessionStoreError'>): SessionStore {
  function counted<T> (operation: StoreOperation, call: Promise<T>): Promise<T> {
    return call.catch((err: unknown) => {
      metrics.sessionStoreError(operation)
      throw err
    })
  }
  return {
    kind: store.kind,
    get: (key) => counted('get', store.get(key)),
    getWithTtl: (key) => counted('getWithTtl', store.getWithTtl(key)),
    expire: (key, ttlMs) => counted('expire', store.expire(key, ttlMs)),
    set: (key, value, ttlMs, userId) => counted('set', store.set(key, value, ttlMs, userId)),
    update: (key, value, ttlMs, fence) => counted('update', store.update(key, value, ttlMs, fence)),
    delete: (key, userId) => counted('delete', store.delete(key, userId)),
    claimOnce: (key, ttlMs) => counted('claimOnce', store.claimOnce(key, ttlMs)),
    hit: (key, windowMs) => counted('hit', store.hit(key, windowMs)),
    acquireLock: (key, token, ttlMs) => counted('acquireLock', store.acquireLock(key, token, ttlMs)),
    renewLock: (key, token, ttlMs) => counted('renewLock', store.renewLock(key, token, ttlMs)),
    releaseLock: (key, token) => counted('releaseLock', store.releaseLock(key, token)),
    deleteUserSessions: (userId) => counted('deleteUserSessions', store.deleteUserSessions(userId)),
    ping: () => counted('ping', store.ping()),
    close: () => store.close()
  }
}

// Codes as @fastify/reply-from's onError reports them (its index.js maps undici's failures); a
// refused connection arrives as its generic 500 error with the socket error as `cause`.
const UPSTREAM_CODES = new Map<string, UpstreamErrorKind>([
  ['FST_REPLY_FROM_GATEWAY_TIMEOUT', 'timeout'],
  ['UND_ERR_CONNECT_TIMEOUT', 'connect'],
  ['FST_REPLY_FROM_SERVICE_UNAVAILABLE', 'connect'],
  ['ECONNREFUSED', 'connect'],
  ['ENOTFOUND', 'connect'],
  ['EAI_AGAIN', 'connect'],
  ['EHOSTUNREACH', 'connect'],
  ['ENETUNREACH', 'connect'],
  ['ECONNRESET', 'reset'],
  ['UND_ERR_SOCKET', 'reset'],
  ['EPIPE', 'reset']
])

/** The upstream_errors_total kind of an error reply-from passed to onError. */
export function classifyUpstreamError (err: unknown): UpstreamErrorKind {
  let current: unknown = err
  // The wrapper's own code first, then its causes: reply-from wraps undici's error, which may
  // wrap the socket's.
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code
    const kind = typeof code === 'string' ? UPSTREAM_CODES.get(code) : undefined
    if (kind !== undefined) return kind
    current = (current as { cause?: unknown }).cause
  }
  return 'other'
}
