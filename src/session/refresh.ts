// AIHubMix calls that change a stored session, made under the session's lock (SPEC §7): the
// token refresh, and the calls that may need one (userinfo, topup). Single flight across
// replicas: one holder calls AIHubMix, the others poll the store until its result is there
// (`done`) or the lock is free, and never call AIHubMix for what the holder already did.
//
// Decisions (the SPEC is silent on them):
// - The lease is 2 × providerTimeout + 1 s and is renewed before every AIHubMix call made under
//   it. Each call ends within providerTimeout, so a lease cannot lapse during a call; one that
//   was lost anyway (a stalled process) aborts the work before AIHubMix is called: another
//   holder may already have spent the refresh token (oauth2-proxy #3456).
// - A refresh that fails for any reason but a dead grant (AIHubMix down, slow, broken) writes
//   `refreshRetryAt` = now + max(5 s, providerTimeout) with the fenced write. Until then no
//   replica calls the token endpoint for this session: the waiters and every later request
//   serve with the old token while it is valid and answer 503 with Retry-After = the time left
//   once it is not. So a hung AIHubMix costs one providerTimeout per backoff per session, not
//   one per request or per replica.
// - A waiter gives up after lease + 3 × providerTimeout (a holder makes at most three calls:
//   userinfo, refresh, userinfo) and is answered as if AIHubMix were down.
// - A lease lost after AIHubMix rotated the refresh token leaves the new tokens unsaved; they
//   still serve the request at hand. The lease rules above make this a stalled-process case.
import type { FastifyBaseLogger } from 'fastify'
import { setTimeout as delay } from 'node:timers/promises'
import type { ProviderClient } from '../provider/client.js'
import { isGrantInvalid } from '../provider/failure.js'
import type { TokenSet } from '../provider/responses.js'
import type { SessionKeys } from './keys.js'
import type { LockFence, SessionStore } from './store.js'
import type { Ticket } from './ticket.js'
import type { Session } from './types.js'

// How often a waiter re-reads the store for the holder's result.
const WAIT_POLL_MS = 25
const MIN_REFRESH_BACKOFF_MS = 5_000

export type RefreshOutcome = 'ok' | 'grant_invalid' | 'unavailable'

export interface LockedWorkOptions {
  store: SessionStore
  provider: ProviderClient
  now: () => number
  randomBytes: (size: number) => Buffer
  providerTimeout: number
  /** the session the ticket names, or undefined when the store holds none (or an expired one) */
  read: (ticket: Ticket, keys: SessionKeys) => Promise<Session | undefined>
  /** the fenced update: lands only while `fence` still holds the lock */
  write: (session: Session, ticket: Ticket, keys: SessionKeys, fence: LockFence) => Promise<boolean>
  onRefresh?: (outcome: RefreshOutcome) => void
}

export interface Held {
  /** false when the lease was lost: abort without calling AIHubMix */
  renew: () => Promise<boolean>
  save: (next: Session) => Promise<boolean>
  log: FastifyBaseLogger
}

export type StepResult<T> =
  | { kind: 'ok', session: Session, value: T }
  // AIHubMix unavailable (or backing off): the session is kept as `session`
  | { kind: 'failed', session: Session, err?: unknown }
  // the grant is dead: the session is deleted
  | { kind: 'ended' }
  // the lease was lost before a call: wait for the new holder
  | { kind: 'lost' }

export type LockedResult<T> =
  | Exclude<StepResult<T>, { kind: 'lost' }>
  // `done` held for the stored session: another holder did the work
  | { kind: 'skipped', session: Session }
  // the store no longer holds the session (signed out, revoked, expired)
  | { kind: 'gone' }
  // the holder took longer than any holder can: answered as if AIHubMix were down
  | { kind: 'timeout', session: Session }

export interface LockedSpec<T> {
  done: (current: Session) => boolean
  step: (current: Session, held: Held) => Promise<StepResult<T>>
}

export interface LockedWork {
  run: <T>(ticket: Ticket, keys: SessionKeys, log: FastifyBaseLogger, spec: LockedSpec<T>) => Promise<LockedResult<T>>
  /** the token refresh, as a step under the lock */
  refresh: (current: Session, held: Held) => Promise<StepResult<undefined>>
  /** `call` with the session's access token; a 401 gets one refresh try (SPEC §7) */
  withToken: <T>(current: Session, held: Held, call: (accessToken: string) => Promise<T>) => Promise<StepResult<T>>
  /** a failed refresh is not retried before this (any replica) */
  retryPending: (session: Session) => boolean
  /** Retry-After for a 503 while AIHubMix is backed off */
  retryAfterSeconds: (session: Session) => number
  /** when a call that failed now may be tried again (refreshRetryAt, userinfoRetryAt) */
  retryAt: () => number
}

const DEFAULT_RETRY_AFTER_SECONDS = 5

export function createLockedWork (options: LockedWorkOptions): LockedWork {
  const { store, provider, now } = options
  const leaseMs = options.providerTimeout * 2 + 1000
  const waitMs = leaseMs + options.providerTimeout * 3
  const backoffMs = Math.max(MIN_REFRESH_BACKOFF_MS, options.providerTimeout)

  function refreshed (outcome: RefreshOutcome, log: FastifyBaseLogger, err?: unknown): void {
    options.onRefresh?.(outcome)
    if (outcome === 'ok') log.info({ event: 'token_refresh', outcome }, 'token refreshed')
    else if (outcome === 'grant_invalid') log.info({ event: 'token_refresh', outcome, code: (err as { code?: string }).code }, 'refresh refused: session ended')
    else log.warn({ event: 'token_refresh', outcome, err }, 'token refresh failed')
  }

  function retryPending (session: Session): boolean {
    return session.refreshRetryAt !== undefined && session.refreshRetryAt > now()
  }

  // One holder's turn: the lock is ours until `finally` releases it. undefined: the lease was
  // lost, go back to waiting.
  async function hold<T> (
    ticket: Ticket, keys: SessionKeys, log: FastifyBaseLogger, spec: LockedSpec<T>, fence: LockFence
  ): Promise<LockedResult<T> | undefined> {
    const current = await options.read(ticket, keys)
    if (current === undefined) return { kind: 'gone' }
    if (spec.done(current)) return { kind: 'skipped', session: current }
    const held: Held = {
      renew: () => store.renewLock(keys.lock, fence.token, leaseMs),
      save: (next) => options.write(next, ticket, keys, fence),
      log
    }
    const result = await spec.step(current, held)
    if (result.kind === 'lost') {
      log.warn({ event: 'session_lock', outcome: 'lease_lost' }, 'session lock lease lost: waiting for the new holder')
      return undefined
    }
    if (result.kind === 'ended') await store.delete(keys.data, current.userId)
    return result
  }

  async function run<T> (ticket: Ticket, keys: SessionKeys, log: FastifyBaseLogger, spec: LockedSpec<T>): Promise<LockedResult<T>> {
    let deadline = now() + waitMs
    for (;;) {
      const fence = { lockKey: keys.lock, token: options.randomBytes(16).toString('base64url') }
      if (await store.acquireLock(keys.lock, fence.token, leaseMs)) {
        let result: LockedResult<T> | undefined
        try {
          result = await hold(ticket, keys, log, spec, fence)
        } finally {
          await store.releaseLock(keys.lock, fence.token).catch(() => false)
        }
        if (result !== undefined) return result
        // Our own turn is not waiting time: wait for the new holder as long as anyone would.
        deadline = now() + waitMs
      }
      await delay(WAIT_POLL_MS)
      const current = await options.read(ticket, keys)
      if (current === undefined) return { kind: 'gone' }
      if (spec.done(current)) return { kind: 'skipped', session: current }
      if (now() > deadline) return { kind: 'timeout', session: current }
    }
  }

  async function refresh (current: Session, held: Held): Promise<StepResult<undefined>> {
    if (retryPending(current)) return { kind: 'failed', session: current }
    const refreshToken = current.tokens.refreshToken
    if (refreshToken === undefined) return { kind: 'ended' }
    if (!await held.renew()) return { kind: 'lost' }
    let tokens: TokenSet
    try {
      tokens = await provider.refresh(refreshToken)
    } catch (err) {
      if (isGrantInvalid(err)) {
        refreshed('grant_invalid', held.log, err)
        return { kind: 'ended' }
      }
      refreshed('unavailable', held.log, err)
      const next: Session = { ...current, refreshRetryAt: retryAt(), lastSeenAt: now() }
      await held.save(next)
      return { kind: 'failed', session: next, err }
    }
    refreshed('ok', held.log)
    const next: Session = { ...current, tokens: tokensFrom(tokens, now(), refreshToken), lastSeenAt: now() }
    delete next.refreshRetryAt
    if (!await held.save(next)) {
      held.log.warn({ event: 'token_refresh', outcome: 'not_saved' }, 'refreshed tokens not saved: the session lock lease was lost')
    }
    return { kind: 'ok', session: next, value: undefined }
  }

  // SPEC §7: a 401 is treated like a revoked grant only after one refresh try: AIHubMix may
  // have dropped the access token early (a restart, a password change).
  async function withToken<T> (current: Session, held: Held, call: (accessToken: string) => Promise<T>): Promise<StepResult<T>> {
    if (!await held.renew()) return { kind: 'lost' }
    try {
      return { kind: 'ok', session: current, value: await call(current.tokens.accessToken) }
    } catch (err) {
      if (!isGrantInvalid(err)) return { kind: 'failed', session: current, err }
    }
    const renewed = await refresh(current, held)
    if (renewed.kind !== 'ok') return renewed
    if (!await held.renew()) return { kind: 'lost' }
    try {
      return { kind: 'ok', session: renewed.session, value: await call(renewed.session.tokens.accessToken) }
    } catch (err) {
      if (!isGrantInvalid(err)) return { kind: 'failed', session: renewed.session, err }
      held.log.info({ event: 'provider_call', outcome: 'grant_invalid' }, 'access token refused after a refresh try: session ended')
      return { kind: 'ended' }
    }
  }

  function retryAt (): number {
    return now() + backoffMs
  }

  function retryAfterSeconds (session: Session): number {
    if (session.refreshRetryAt === undefined) return DEFAULT_RETRY_AFTER_SECONDS
    return Math.max(1, Math.ceil((session.refreshRetryAt - now()) / 1000))
  }

  return { run, refresh, withToken, retryPending, retryAfterSeconds, retryAt }
}

export function tokensFrom (tokens: TokenSet, at: number, previousRefreshToken: string | undefined): Session['tokens'] {
  const refreshToken = tokens.refreshToken ?? previousRefreshToken
  return {
    accessToken: tokens.accessToken,
    ...(refreshToken === undefined ? {} : { refreshToken }),
    expiresAt: at + tokens.expiresIn * 1000,
    ...(tokens.scope === undefined ? {} : { scope: tokens.scope })
  }
}
