// The session lifecycle (SPEC §7): find the session a ticket names, keep its tokens and
// userinfo fresh, create it at login and end it at sign-out. One store read per request in
// steady state; AIHubMix is called only when the token is near expiry or userinfo is stale.
import type { FastifyBaseLogger } from 'fastify'
import type { ProviderClient } from '../provider/client.js'
import { isGrantInvalid } from '../provider/failure.js'
import type { TokenSet, UserInfo } from '../provider/responses.js'
import { sessionKeys, type SessionKeys } from './keys.js'
import { openSession, sealSession } from './seal.js'
import type { SessionStore } from './store.js'
import { createTicket, ticketKey, type Ticket } from './ticket.js'
import { computeSessionTtl, shouldRenew } from './ttl.js'
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
  onRefresh?: (outcome: 'ok' | 'grant_invalid' | 'unavailable') => void
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

export interface SessionService {
  lookup (ticket: Ticket | undefined, log: FastifyBaseLogger): Promise<SessionLookup>
  create (tokens: TokenSet, user: UserInfo): Promise<Ticket>
  destroy (ticket: Ticket, userId?: string): Promise<void>
  // ?refresh=1 (SPEC §4): userinfo from AIHubMix now, saved so the next request carries it
  refreshUserinfo (active: ActiveSession, log: FastifyBaseLogger): Promise<SessionLookup>
}

const RETRY_AFTER_SECONDS = 5
// How often a replica that lost the refresh race re-reads the store for the winner's result.
const WAIT_POLL_MS = 25

export function createSessionService (options: SessionServiceOptions): SessionService {
  const { store, provider, now } = options
  // The lease outlives the slowest token call (oauth2-proxy #3456): a waiter never takes over
  // while the winner's call can still succeed and rotate the refresh token.
  const lockTtl = options.providerTimeout * 2 + 1000
  // Single flight inside this process: concurrent requests of one session share one promise.
  const inflight = new Map<string, Promise<SessionLookup>>()

  function ttlFor (session: Session): number {
    return computeSessionTtl({
      now: now(), createdAt: session.createdAt, idleTimeoutMs: options.sessionIdleTimeout, maxAgeMs: options.sessionMaxAge
    })
  }

  async function read (ticket: Ticket, keys: SessionKeys): Promise<Session | undefined> {
    const blob = await store.get(keys.data)
    if (blob === null) return undefined
    const session = openSession(blob, ticketKey(ticket), keys.data)
    if (session === undefined || ttlFor(session) <= 0) return undefined
    return session
  }

  function seal (session: Session, ticket: Ticket, keys: SessionKeys): Buffer {
    return sealSession(session, ticketKey(ticket), keys.data)
  }

  // Runs `change` on the freshest copy while holding the session's lock; `undefined` from
  // `change` means nothing to write. Returns false when another holder had the lock.
  async function withLock (
    ticket: Ticket, keys: SessionKeys, change: (current: Session) => Promise<Session | undefined>
  ): Promise<{ locked: boolean, session?: Session | undefined }> {
    const token = options.randomBytes(16).toString('base64url')
    if (!await store.acquireLock(keys.lock, token, lockTtl)) return { locked: false }
    try {
      const current = await read(ticket, keys)
      if (current === undefined) return { locked: true }
      const next = await change(current)
      if (next === undefined) return { locked: true, session: current }
      const written = await store.update(keys.data, seal(next, ticket, keys), ttlFor(next), { lockKey: keys.lock, token })
      return { locked: true, session: written ? next : undefined }
    } finally {
      await store.releaseLock(keys.lock, token).catch(() => false)
    }
  }

  // One structured line and one count per refresh call (SPEC §10).
  function refreshed (outcome: 'ok' | 'grant_invalid' | 'unavailable', log: FastifyBaseLogger, err?: unknown): void {
    options.onRefresh?.(outcome)
    if (outcome === 'ok') log.info({ event: 'token_refresh', outcome }, 'token refreshed')
    else if (outcome === 'grant_invalid') log.info({ event: 'token_refresh', outcome, code: (err as { code?: string }).code }, 'refresh refused: session ended')
    else log.warn({ event: 'token_refresh', outcome, err }, 'token refresh failed')
  }

  function needsRefresh (session: Session): boolean {
    return session.tokens.expiresAt - now() <= options.refreshSkew
  }

  async function refreshTokens (active: ActiveSession, log: FastifyBaseLogger): Promise<SessionLookup> {
    const { ticket, keys } = active
    const deadline = now() + lockTtl
    let outcome: 'ended' | 'unavailable' | undefined
    while (true) {
      const attempt = await withLock(ticket, keys, async (current) => {
        // Another replica refreshed while we waited for the lock: use its result.
        if (!needsRefresh(current)) return undefined
        const refreshToken = current.tokens.refreshToken
        if (refreshToken === undefined) { outcome = 'ended'; return undefined }
        try {
          const tokens = await provider.refresh(refreshToken)
          refreshed('ok', log)
          return { ...current, tokens: tokensFrom(tokens, now(), refreshToken) }
        } catch (err) {
          if (isGrantInvalid(err)) {
            outcome = 'ended'
            refreshed('grant_invalid', log, err)
          } else {
            outcome = 'unavailable'
            refreshed('unavailable', log, err)
          }
          return undefined
        }
      })
      if (attempt.locked) {
        if (outcome === 'ended') {
          await store.delete(keys.data, active.session.userId)
          return { state: 'ended' }
        }
        if (attempt.session === undefined) return { state: 'none' }
        if (outcome === 'unavailable') return serveStale(active, attempt.session)
        return { ...active, session: attempt.session }
      }
      // Lost the race: wait for the winner's write instead of calling AIHubMix ourselves.
      await delay(WAIT_POLL_MS)
      const current = await read(ticket, keys)
      if (current === undefined) return { state: 'none' }
      if (!needsRefresh(current)) return { ...active, session: current }
      if (now() > deadline) return serveStale(active, current)
    }
  }

  // SPEC §7: AIHubMix unavailable keeps the session and serves with the old token while it is
  // still valid; once it is not, 503 with Retry-After.
  function serveStale (active: ActiveSession, current: Session): SessionLookup {
    if (current.tokens.expiresAt > now()) return { ...active, session: current }
    return { state: 'unavailable', cause: 'provider', retryAfterSeconds: RETRY_AFTER_SECONDS }
  }

  function singleFlight (key: string, run: () => Promise<SessionLookup>): Promise<SessionLookup> {
    const running = inflight.get(key)
    if (running !== undefined) return running
    const started = run().finally(() => inflight.delete(key))
    inflight.set(key, started)
    return started
  }

  // SPEC §7: a 401 from userinfo is treated like a revoked grant only after one refresh try;
  // a token AIHubMix dropped early (a restart, a password change) must not sign the user out.
  async function fetchUserinfo (active: ActiveSession, log: FastifyBaseLogger): Promise<SessionLookup> {
    const { ticket, keys } = active
    let ended = false
    const withUser = async (current: Session): Promise<Session> =>
      ({ ...current, user: await provider.userinfo(current.tokens.accessToken), userFetchedAt: now(), lastSeenAt: now() })
    const attempt = await withLock(ticket, keys, async (current) => {
      try {
        return await withUser(current)
      } catch (err) {
        if (!isGrantInvalid(err)) {
          log.warn({ event: 'userinfo', outcome: 'unavailable', err }, 'userinfo refresh failed')
          return undefined
        }
      }
      const refreshToken = current.tokens.refreshToken
      if (refreshToken === undefined) { ended = true; return undefined }
      let renewed: Session
      try {
        renewed = { ...current, tokens: tokensFrom(await provider.refresh(refreshToken), now(), refreshToken) }
        refreshed('ok', log)
      } catch (err) {
        ended = isGrantInvalid(err)
        refreshed(ended ? 'grant_invalid' : 'unavailable', log, err)
        return undefined
      }
      try {
        return await withUser(renewed)
      } catch (err) {
        if (isGrantInvalid(err)) { ended = true; return undefined }
        log.warn({ event: 'userinfo', outcome: 'unavailable', err }, 'userinfo refresh failed')
        // The refresh token may have rotated: the new tokens must be kept even without userinfo.
        return renewed
      }
    })
    if (ended) {
      await store.delete(keys.data, active.session.userId)
      log.info({ event: 'userinfo', outcome: 'grant_invalid' }, 'userinfo refused after a refresh try: session ended')
      return { state: 'ended' }
    }
    if (attempt.locked && attempt.session === undefined) return { state: 'none' }
    return { ...active, session: attempt.session ?? active.session }
  }

  // Stale-while-revalidate (SPEC §7) and the once-a-minute idle renewal both rewrite the blob
  // under the lock in the background: the request that noticed does not wait for them.
  function maintainInBackground (active: ActiveSession, log: FastifyBaseLogger): void {
    const { session } = active
    const stale = now() - session.userFetchedAt >= options.userinfoTtl
    if (!stale && !shouldRenew(session.lastSeenAt, now())) return
    const key = `bg:${active.keys.data}`
    if (inflight.has(key)) return
    const run = stale
      ? () => fetchUserinfo(active, log)
      : async (): Promise<SessionLookup> => {
        await withLock(active.ticket, active.keys, async (current) => ({ ...current, lastSeenAt: now() }))
        return active
      }
    singleFlight(key, run).catch((err: unknown) => {
      log.warn({ err }, 'background session maintenance failed')
    })
  }

  return {
    async lookup (ticket, log) {
      if (ticket === undefined) return { state: 'none' }
      const keys = sessionKeys(ticket.id)
      try {
        const session = await read(ticket, keys)
        if (session === undefined) return { state: 'none' }
        const active: ActiveSession = { state: 'active', session, ticket, keys }
        if (needsRefresh(session)) {
          const refreshed = await singleFlight(keys.data, () => refreshTokens(active, log))
          if (refreshed.state === 'active') maintainInBackground(refreshed, log)
          return refreshed
        }
        maintainInBackground(active, log)
        return active
      } catch (err) {
        log.error({ err }, 'session store unavailable')
        return { state: 'unavailable', cause: 'store', retryAfterSeconds: RETRY_AFTER_SECONDS }
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
      await store.set(keys.data, seal(session, ticket, keys), ttlFor(session), session.userId)
      return ticket
    },

    async destroy (ticket, userId) {
      await store.delete(sessionKeys(ticket.id).data, userId)
    },

    async refreshUserinfo (active, log) {
      try {
        return await singleFlight(`ui:${active.keys.data}`, () => fetchUserinfo(active, log))
      } catch (err) {
        log.error({ err }, 'session store unavailable')
        return { state: 'unavailable', cause: 'store', retryAfterSeconds: RETRY_AFTER_SECONDS }
      }
    }
  }
}

function tokensFrom (tokens: TokenSet, at: number, previousRefreshToken: string | undefined): Session['tokens'] {
  const refreshToken = tokens.refreshToken ?? previousRefreshToken
  return {
    accessToken: tokens.accessToken,
    ...(refreshToken === undefined ? {} : { refreshToken }),
    expiresAt: at + tokens.expiresIn * 1000,
    ...(tokens.scope === undefined ? {} : { scope: tokens.scope })
  }
}

function delay (ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
