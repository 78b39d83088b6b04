// The session lifecycle (SPEC §7): find the session a ticket names, keep its tokens and
// userinfo fresh, create it at login and end it at sign-out. The work under the session's lock
// lives in refresh.ts.
//
// Hot path: a signed-in request costs one store round trip (the session and its TTL left, read
// together). The idle renewal is one PEXPIRE, sent without waiting, when the key has lost at
// least a minute (ttl.ts renewalTtl): no lock, no rewrite. AIHubMix is called only when the
// token is near expiry or userinfo is stale.
//
// Decisions (the SPEC is silent on them):
// - Single flight inside one process too: concurrent requests of one session share one refresh
//   promise and one userinfo fetch, so the store sees one lock attempt per process, not one
//   per request.
// - ?refresh=1 (refreshUserinfo) accepts only userinfo fetched by a call sent after its request
//   arrived (`since`, by the replicas' clocks): it joins a running fetch of this process that
//   started no earlier, waits for an older one (or another replica's) and then fetches itself
//   unless that one's call was sent after `since`. When AIHubMix fails it answers 503 with
//   Retry-After, not the stored copy: the client asked for fresh data.
// - A background userinfo fetch that fails (AIHubMix down, slow, broken) is logged and writes
//   `userinfoRetryAt` (the refresh backoff, refresh.ts): until then no replica revalidates this
//   session in the background, and requests go on with the stored userinfo. The idle renewal
//   that fails is logged and retried by the next request.
// - destroy(ticket) reads the session once to learn its user (unless the caller already holds
//   it), so the per-user index (revoke-user) never keeps a member that sign-out or a new login
//   ended.
import type { FastifyBaseLogger } from 'fastify'
import type { ProviderClient } from '../provider/client.js'
import type { TokenSet, UserInfo } from '../provider/responses.js'
import { sessionKeys, type SessionKeys } from './keys.js'
import { createLockedWork, tokensFrom, type LockedResult, type RefreshOutcome } from './refresh.js'
import { openSession, sealSession } from './seal.js'
import type { SessionStore } from './store.js'
import { createTicket, ticketKey, type Ticket } from './ticket.js'
import { computeSessionTtl, renewalTtl } from './ttl.js'
import { SESSION_VERSION, type Session } from './types.js'

export interface SessionServiceOptions {
  store: SessionStore
  provider: ProviderClient
  now: () => number
  randomBytes: (size: number) => Buffer
  sessionIdleTimeout: number
  sessionMaxAge: number
  refreshSkew: number
  userinfoTtl: number
  providerTimeout: number
  // each refresh call's outcome, for the token_refreshes metric
  onRefresh?: (outcome: RefreshOutcome) => void
}

export interface ActiveSession {
  state: 'active'
  session: Session
  ticket: Ticket
  keys: SessionKeys
}

export type SessionLookup =
  | ActiveSession
  // no ticket, or it names nothing the store still holds: simply signed out
  | { state: 'none' }
  // AIHubMix says the grant is dead: the session was deleted, the user must sign in again
  | { state: 'ended' }
  // fail closed (SPEC §7): the store cannot be read, or the token expired and AIHubMix is down
  | { state: 'unavailable', cause: 'store' | 'provider', retryAfterSeconds: number }

export type TokenCallResult<T> =
  | { state: 'ok', value: T }
  // AIHubMix failed the call (not a dead grant): the session is kept
  | { state: 'failed', err: unknown }
  | Exclude<SessionLookup, ActiveSession>

export interface SessionService {
  lookup (ticket: Ticket | undefined, log: FastifyBaseLogger): Promise<SessionLookup>
  create (tokens: TokenSet, user: UserInfo): Promise<Ticket>
  /**
   * Ends the session and drops it from its user's index; resolves to its user id, if one was
   * stored. A caller that already read the session passes its userId and saves the read.
   */
  destroy (ticket: Ticket, userId?: string): Promise<string | undefined>
  /** ?refresh=1 (SPEC §4): userinfo from a call sent at `since` or later, saved for the next request */
  refreshUserinfo (active: ActiveSession, log: FastifyBaseLogger, since: number): Promise<SessionLookup>
  /** An AIHubMix call with the session's token (topup): one refresh try on a 401, then the session ends (SPEC §7) */
  callWithToken<T> (active: ActiveSession, log: FastifyBaseLogger, call: (accessToken: string) => Promise<T>): Promise<TokenCallResult<T>>
}

const STORE_RETRY_AFTER_SECONDS = 5
const STORE_DOWN = { state: 'unavailable', cause: 'store', retryAfterSeconds: STORE_RETRY_AFTER_SECONDS } as const

// A userinfo fetch running in this process: `since` for ?refresh=1, undefined for the
// background (stale-while-revalidate) one.
interface Fetch {
  since: number | undefined
  promise: Promise<SessionLookup>
}

export function createSessionService (options: SessionServiceOptions): SessionService {
  const { store, now } = options
  const refreshes = new Map<string, Promise<SessionLookup>>()
  const fetches = new Map<string, Fetch>()

  function ttlFor (session: Session): number {
    return computeSessionTtl({
      now: now(), createdAt: session.createdAt, idleTimeoutMs: options.sessionIdleTimeout, maxAgeMs: options.sessionMaxAge
    })
  }

  function open (blob: Buffer, ticket: Ticket, keys: SessionKeys): Session | undefined {
    const session = openSession(blob, ticketKey(ticket), keys.data)
    return session === undefined || ttlFor(session) <= 0 ? undefined : session
  }

  async function read (ticket: Ticket, keys: SessionKeys): Promise<Session | undefined> {
    const blob = await store.get(keys.data)
    return blob === null ? undefined : open(blob, ticket, keys)
  }

  const locked = createLockedWork({
    store,
    provider: options.provider,
    now,
    randomBytes: options.randomBytes,
    providerTimeout: options.providerTimeout,
    read,
    write: (session, ticket, keys, fence) =>
      store.update(keys.data, sealSession(session, ticketKey(ticket), keys.data), ttlFor(session), fence),
    ...(options.onRefresh === undefined ? {} : { onRefresh: options.onRefresh })
  })

  function needsRefresh (session: Session): boolean {
    return session.tokens.expiresAt - now() <= options.refreshSkew
  }

  function providerDown (session: Session): Extract<SessionLookup, { state: 'unavailable' }> {
    return { state: 'unavailable', cause: 'provider', retryAfterSeconds: locked.retryAfterSeconds(session) }
  }

  // SPEC §7: AIHubMix unavailable keeps the session and serves with the old token while it is
  // still valid; once it is not, 503 with Retry-After.
  function serveStale (active: ActiveSession, current: Session): SessionLookup {
    return current.tokens.expiresAt > now() ? { ...active, session: current } : providerDown(current)
  }

  async function refreshTokens (active: ActiveSession, log: FastifyBaseLogger): Promise<SessionLookup> {
    const result = await locked.run(active.ticket, active.keys, log, {
      // Another holder refreshed, or failed and set the backoff: use its result.
      done: (current) => !needsRefresh(current) || locked.retryPending(current),
      step: locked.refresh
    })
    switch (result.kind) {
      case 'ok': return { ...active, session: result.session }
      case 'skipped': return needsRefresh(result.session) ? serveStale(active, result.session) : { ...active, session: result.session }
      case 'failed': case 'timeout': return serveStale(active, result.session)
      case 'ended': return { state: 'ended' }
      case 'gone': return { state: 'none' }
    }
  }

  function fetchUserinfo (active: ActiveSession, log: FastifyBaseLogger, since: number | undefined): Promise<SessionLookup> {
    const key = active.keys.data
    const job: Fetch = { since, promise: Promise.resolve({ state: 'none' }) }
    const run = async (): Promise<SessionLookup> => {
      const result = await locked.run(active.ticket, active.keys, log, {
        done: since === undefined
          ? (current) => !userinfoStale(current)
          : (current) => current.userFetchedAt >= since,
        step: async (current, held) => {
          const fetched = await locked.withToken(current, held, async (accessToken) => {
            const sentAt = now()
            return { user: await options.provider.userinfo(accessToken), sentAt }
          })
          if (fetched.kind === 'failed' && since === undefined) {
            const next: Session = { ...fetched.session, userinfoRetryAt: locked.retryAt(), lastSeenAt: now() }
            await held.save(next)
            return { ...fetched, session: next }
          }
          if (fetched.kind !== 'ok') return fetched
          const next: Session = { ...fetched.session, user: fetched.value.user, userFetchedAt: fetched.value.sentAt, lastSeenAt: now() }
          delete next.userinfoRetryAt
          await held.save(next)
          return { kind: 'ok', session: next, value: undefined }
        }
      })
      return userinfoOutcome(active, result, log)
    }
    job.promise = run().finally(() => {
      if (fetches.get(key) === job) fetches.delete(key)
    })
    fetches.set(key, job)
    return job.promise
  }

  function userinfoOutcome (active: ActiveSession, result: LockedResult<undefined>, log: FastifyBaseLogger): SessionLookup {
    switch (result.kind) {
      case 'ok': case 'skipped': return { ...active, session: result.session }
      case 'ended': return { state: 'ended' }
      case 'gone': return { state: 'none' }
      case 'failed': case 'timeout':
        log.warn({ event: 'userinfo', outcome: 'unavailable', err: result.kind === 'failed' ? result.err : undefined }, 'userinfo refresh failed')
        return providerDown(result.session)
    }
  }

  // Older than userinfoTtl, and not backing off after a failed fetch.
  function userinfoStale (session: Session): boolean {
    return now() - session.userFetchedAt >= options.userinfoTtl &&
      (session.userinfoRetryAt === undefined || session.userinfoRetryAt <= now())
  }

  // Stale-while-revalidate (SPEC §7): the request that notices goes on with the stored copy.
  function revalidateInBackground (active: ActiveSession, log: FastifyBaseLogger): void {
    if (!userinfoStale(active.session) || fetches.has(active.keys.data)) return
    fetchUserinfo(active, log, undefined).catch((err: unknown) => {
      log.warn({ err }, 'background userinfo refresh failed')
    })
  }

  // SPEC §7 idle renewal: one PEXPIRE, not awaited; a failure costs nothing but a later renewal.
  function renewIdle (keys: SessionKeys, remainingMs: number, session: Session, log: FastifyBaseLogger): void {
    const ttl = renewalTtl(remainingMs, ttlFor(session))
    if (ttl === undefined) return
    store.expire(keys.data, ttl).catch((err: unknown) => {
      log.warn({ err }, 'session idle renewal failed')
    })
  }

  function singleFlight (key: string, run: () => Promise<SessionLookup>): Promise<SessionLookup> {
    const running = refreshes.get(key)
    if (running !== undefined) return running
    const started = run().finally(() => refreshes.delete(key))
    refreshes.set(key, started)
    return started
  }

  return {
    async lookup (ticket, log) {
      if (ticket === undefined) return { state: 'none' }
      const keys = sessionKeys(ticket.id)
      try {
        const found = await store.getWithTtl(keys.data)
        const session = found === null ? undefined : open(found.value, ticket, keys)
        if (found === null || session === undefined) return { state: 'none' }
        renewIdle(keys, found.ttlMs, session, log)
        let active: ActiveSession = { state: 'active', session, ticket, keys }
        if (needsRefresh(session)) {
          // Backing off after a failed refresh: no AIHubMix call, no lock (refresh.ts).
          const refreshed = locked.retryPending(session)
            ? serveStale(active, session)
            : await singleFlight(keys.data, () => refreshTokens(active, log))
          if (refreshed.state !== 'active') return refreshed
          active = refreshed
        }
        revalidateInBackground(active, log)
        return active
      } catch (err) {
        log.error({ err }, 'session store unavailable')
        return STORE_DOWN
      }
    },

    async create (tokens, user) {
      const ticket = createTicket(options.randomBytes)
      const keys = sessionKeys(ticket.id)
      const at = now()
      const session: Session = {
        v: SESSION_VERSION,
        userId: String(user.id),
        tokens: tokensFrom(tokens, at, undefined),
        user,
        userFetchedAt: at,
        createdAt: at,
        lastSeenAt: at
      }
      await store.set(keys.data, sealSession(session, ticketKey(ticket), keys.data), ttlFor(session), session.userId)
      return ticket
    },

    async destroy (ticket, knownUserId) {
      const keys = sessionKeys(ticket.id)
      let userId = knownUserId
      if (userId === undefined) {
        const blob = await store.get(keys.data)
        // An expired or unreadable session is still deleted; only a readable one names its user.
        userId = blob === null ? undefined : openSession(blob, ticketKey(ticket), keys.data)?.userId
      }
      await store.delete(keys.data, userId)
      return userId
    },

    async refreshUserinfo (active, log, since) {
      const key = active.keys.data
      try {
        for (;;) {
          const running = fetches.get(key)
          if (running === undefined) return await fetchUserinfo(active, log, since)
          if (running.since !== undefined && running.since >= since) return await running.promise
          // Fetched before this request, or a background fetch that may have been: fetch after it.
          await running.promise.catch(() => undefined)
        }
      } catch (err) {
        log.error({ err }, 'session store unavailable')
        return STORE_DOWN
      }
    },

    async callWithToken (active, log, call) {
      try {
        const result = await locked.run(active.ticket, active.keys, log, {
          done: () => false,
          step: (current, held) => locked.withToken(current, held, call)
        })
        switch (result.kind) {
          case 'ok': return { state: 'ok', value: result.value }
          case 'failed': return { state: 'failed', err: result.err }
          case 'timeout': case 'skipped': return providerDown(result.session)
          case 'ended': return { state: 'ended' }
          case 'gone': return { state: 'none' }
        }
      } catch (err) {
        log.error({ err }, 'session store unavailable')
        return STORE_DOWN
      }
    }
  }
}
