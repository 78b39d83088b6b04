// allowBearer (SPEC §3, §5): an `Authorization: Bearer <AIHubMix access token>` stands in for a
// session. AIHubMix's userinfo is the only judge of a token, so its answer is cached per token
// for userinfoTtl (the balance may be that stale anyway, §3) and asked once per token at a time.
//
// Decisions (the SPEC is silent on them):
// - The cache is keyed by a SHA-256 of the token: a heap dump holds no usable token.
// - A 401 from userinfo is cached as a rejection: AIHubMix never revives a dead token, and a
//   client retrying with it must not cost a provider call each time. Any other failure
//   (network, timeout, 5xx, a malformed answer) is never cached: the next request asks again.
// - The cache holds at most `maxEntries`; when full, the oldest entry goes first. A flood of
//   random tokens costs provider calls but never unbounded memory. Validations in flight are
//   bounded too: past `maxInflight` distinct tokens at once, the answer is 503 without a call.
// - A token that cannot be an OAuth2 bearer token (RFC 6750 §2.1 b64token syntax, at most
//   MAX_TOKEN_LENGTH characters) is rejected without asking AIHubMix.
import { createHash } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import { isGrantInvalid } from '../provider/failure.js'
import type { UserInfo } from '../provider/responses.js'

export interface BearerSession {
  state: 'bearer'
  // The same fields an ActiveSession's `session` offers to identity and access checks, so a
  // caller reads `found.session.user` whichever way the request signed in.
  session: { userId: string, user: UserInfo, tokens: { accessToken: string } }
}

export type BearerLookup =
  | BearerSession
  // AIHubMix does not know the token (or it is not one): signed out, and answered with 401,
  // never a redirect. A 'none' so that callers written for SessionLookup treat it as signed out.
  | { state: 'none', invalidToken: true }
  // fail closed: AIHubMix could not be asked
  | { state: 'unavailable', cause: 'provider', retryAfterSeconds: number }

export interface BearerValidator {
  validate (token: string, log: FastifyBaseLogger): Promise<BearerLookup>
}

export interface BearerValidatorOptions {
  userinfo: (accessToken: string) => Promise<UserInfo>
  now: () => number
  ttlMs: number
  maxEntries?: number
  maxInflight?: number
}

type Outcome = { ok: true, user: UserInfo } | { ok: false }

interface Entry {
  outcome: Outcome
  expiresAt: number
}

const DEFAULT_MAX_ENTRIES = 10_000
const DEFAULT_MAX_INFLIGHT = 1_000
const RETRY_AFTER_SECONDS = 5
// Far above AIHubMix's tokens (43 characters of base64url in the simulator), far below a header
// limit: a longer value is not a token, and hashing it per request would be work for nothing.
const MAX_TOKEN_LENGTH = 4096
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/
const INVALID_TOKEN: BearerLookup = Object.freeze({ state: 'none', invalidToken: true })

// `Authorization: Bearer <token>` (scheme case-insensitive, RFC 9110 §11.1); undefined for any
// other scheme or shape, so the caller treats the request as carrying no bearer.
export function readBearerToken (authorization: string | undefined): string | undefined {
  if (authorization === undefined || authorization.length < 8) return undefined
  if (authorization.slice(0, 7).toLowerCase() !== 'bearer ') return undefined
  const token = authorization.slice(7).trim()
  return token === '' ? undefined : token
}

export function createBearerValidator (options: BearerValidatorOptions): BearerValidator {
  const { now, ttlMs } = options
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES
  const maxInflight = options.maxInflight ?? DEFAULT_MAX_INFLIGHT
  // Keys are digests, never user strings, but a Map keeps "__proto__" a plain key anyway.
  const cache = new Map<string, Entry>()
  const inflight = new Map<string, Promise<Outcome | undefined>>()

  function remember (key: string, outcome: Outcome): void {
    cache.delete(key)
    if (cache.size >= maxEntries) {
      // Map iterates in insertion order: the first key is the oldest entry.
      const oldest = cache.keys().next()
      if (oldest.done !== true) cache.delete(oldest.value)
    }
    cache.set(key, { outcome, expiresAt: now() + ttlMs })
  }

  // undefined: AIHubMix could not answer (not cached)
  async function ask (key: string, token: string, log: FastifyBaseLogger): Promise<Outcome | undefined> {
    try {
      const outcome: Outcome = { ok: true, user: await options.userinfo(token) }
      remember(key, outcome)
      return outcome
    } catch (err) {
      if (isGrantInvalid(err)) {
        log.info({ event: 'bearer', outcome: 'rejected' }, 'bearer token refused by AIHubMix')
        const outcome: Outcome = { ok: false }
        remember(key, outcome)
        return outcome
      }
      log.warn({ event: 'bearer', outcome: 'unavailable', err }, 'bearer token could not be checked')
      return undefined
    }
  }

  function lookupOf (outcome: Outcome | undefined, token: string): BearerLookup {
    if (outcome === undefined) return { state: 'unavailable', cause: 'provider', retryAfterSeconds: RETRY_AFTER_SECONDS }
    if (!outcome.ok) return INVALID_TOKEN
    return { state: 'bearer', session: { userId: String(outcome.user.id), user: outcome.user, tokens: { accessToken: token } } }
  }

  return {
    async validate (token, log) {
      if (token.length > MAX_TOKEN_LENGTH || !B64TOKEN.test(token)) return INVALID_TOKEN
      const key = createHash('sha256').update(token).digest('base64url')
      const cached = cache.get(key)
      if (cached !== undefined) {
        if (cached.expiresAt > now()) return lookupOf(cached.outcome, token)
        cache.delete(key)
      }
      let running = inflight.get(key)
      if (running === undefined) {
        if (inflight.size >= maxInflight) {
          log.warn({ event: 'bearer', outcome: 'overloaded' }, 'too many bearer tokens being checked at once')
          return lookupOf(undefined, token)
        }
        running = ask(key, token, log).finally(() => inflight.delete(key))
        inflight.set(key, running)
      }
      return lookupOf(await running, token)
    }
  }
}
