// GET <authPrefix>/callback (SPEC §4): the state must be present, match this browser's sealed
// login-state cookie, be unexpired and never used before (recorded in the store, because a
// cookie alone cannot prove it). Only then is the code exchanged, server-side.
import { createHash } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { isGrantInvalid } from '../../provider/failure.js'
import type { LoginOutcome } from '../../observability/metrics.js'
import type { TokenSet, UserInfo } from '../../provider/responses.js'
import { checkAccount } from '../../rules/access.js'
import type { AppContext } from '../context.js'
import { clearLoginState, LOGIN_STATE_MAX_AGE_S, readLoginState, readTicket, writeTicket } from '../cookies.js'
import { loginRateLimit } from '../rate-limit.js'
import { answerError, answerUnavailable, languageOf, sendPage } from '../replies.js'
import { readQuery, withRd } from './query.js'

const RETRY_AFTER_SECONDS = 5
const PARAMS = ['code', 'state', 'error', 'error_description'] as const
// RFC 6749 §4.1.2.1: the codes an authorization endpoint answers with. Anything else in an
// unverified callback is shown as `unknown_error` (see providerErrorPage).
const REGISTERED_ERRORS: ReadonlySet<string> = new Set([
  'access_denied', 'invalid_request', 'unauthorized_client', 'unsupported_response_type',
  'invalid_scope', 'server_error', 'temporarily_unavailable'
])

type Params = Record<typeof PARAMS[number], string | undefined>

function readParams (url: string): Params | undefined {
  const params: Partial<Params> = {}
  for (const name of PARAMS) {
    const read = readQuery(url, name)
    if (!read.ok) return undefined
    params[name] = read.value
  }
  return params as Params
}

export async function callbackRoute (app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get(ctx.paths.callback, { config: { routeKind: 'auth', rateLimit: loginRateLimit(ctx) } }, async (request, reply) => {
    const params = readParams(request.url)
    if (params?.error !== undefined) return providerErrorPage(request, reply, ctx, params.error, params)
    const { code, state } = params ?? {}
    if (code === undefined || code === '' || state === undefined || state === '') {
      loginEvent(request, ctx, 'bad_request', 'login refused: code or state missing or repeated')
      return answerError(request, reply, ctx, { kind: 'bad_request' })
    }
    const login = readLoginState(app, request, ctx.cookies, state)
    if (login === undefined) return refuseState(request, reply, ctx, 'state_mismatch')
    clearLoginState(reply, ctx.cookies, state)

    let firstUse: boolean
    try {
      firstUse = await ctx.store.claimOnce(usedStateKey(state), LOGIN_STATE_MAX_AGE_S * 1000)
    } catch (err) {
      loginEvent(request, ctx, 'store_unavailable', 'login failed: session store unavailable', { err })
      return answerUnavailable(request, reply, ctx, 'store', RETRY_AFTER_SECONDS)
    }
    if (!firstUse) return refuseState(request, reply, ctx, 'state_replayed', login.rd)

    let tokens: TokenSet
    let user: UserInfo
    try {
      tokens = await ctx.provider.exchangeCode({ code, ...(login.verifier === undefined ? {} : { codeVerifier: login.verifier }) })
      user = await ctx.provider.userinfo(tokens.accessToken)
    } catch (err) {
      // An unusable code (expired, already spent, wrong verifier) is the user's to retry.
      if (isGrantInvalid(err)) return refuseState(request, reply, ctx, 'code_refused', login.rd)
      loginEvent(request, ctx, 'provider_error', 'login failed: AIHubMix call failed', { err })
      return answerError(request, reply, ctx, { kind: 'provider_error', signInUrl: withRd(ctx.paths.signIn, login.rd) })
    }

    const decision = checkAccount(user, ctx.accessPolicy)
    if (!decision.ok) {
      loginEvent(request, ctx, decision.reason, 'login refused', { userId: String(user.id) })
      const kind = decision.reason === 'disabled' ? 'account_disabled' : 'not_allowed'
      return answerError(request, reply, ctx, { kind })
    }

    try {
      const previous = readTicket(request)
      if (previous !== undefined) await ctx.sessions.destroy(previous)
      const ticket = await ctx.sessions.create(tokens, user)
      writeTicket(request, ticket)
    } catch (err) {
      loginEvent(request, ctx, 'store_unavailable', 'login failed: session store unavailable', { err })
      return answerUnavailable(request, reply, ctx, 'store', RETRY_AFTER_SECONDS)
    }
    request.auth = { userId: String(user.id) }
    loginEvent(request, ctx, 'ok', 'signed in', { userId: String(user.id) })
    return reply.header('cache-control', 'no-store').redirect(login.rd, 302)
  })
}

// The store never sees the state itself, only that a hash of it was used.
function usedStateKey (state: string): string {
  return `state:${createHash('sha256').update(state).digest('base64url')}`
}

// Every end of a login attempt: one structured `event: login` line and one count (SPEC §10).
function loginEvent (
  request: FastifyRequest, ctx: AppContext, outcome: LoginOutcome, message: string, fields: Record<string, unknown> = {}
): void {
  ctx.metrics.login(outcome)
  const failed = outcome === 'provider_error' || outcome === 'store_unavailable'
  request.log[failed ? 'error' : 'info']({ event: 'login', outcome, ...fields }, message)
}

// `rd` only once the sealed login state vouched for it: the callback URL never chooses it.
function refuseState (
  request: FastifyRequest, reply: FastifyReply, ctx: AppContext, reason: 'state_mismatch' | 'state_replayed' | 'code_refused', rd = '/'
): FastifyReply {
  loginEvent(request, ctx, reason, 'login refused: state check failed')
  return answerError(request, reply, ctx, { kind: 'state_invalid', signInUrl: withRd(ctx.paths.signIn, rd) })
}

// SPEC §4: the provider's error is shown on the sign-in page: 403 when the user declined,
// 502 for AIHubMix's own failures and anything else the user cannot fix. Anyone can craft a
// callback link with `error` and `error_description`, so AIHubMix's words (and an unregistered
// code) are shown only when the state matches this browser's sealed login state, which proves
// the redirect answers a login this browser started; the "try again" link then keeps its `rd`.
// Otherwise the page shows only the generic text for the code. The store is not asked: nothing
// is exchanged, and the cleared cookie ends this login.
function providerErrorPage (
  request: FastifyRequest, reply: FastifyReply, ctx: AppContext, error: string, params: Params
): FastifyReply {
  const login = params.state === undefined ? undefined : readLoginState(request.server, request, ctx.cookies, params.state)
  if (login !== undefined) clearLoginState(reply, ctx.cookies, login.state)
  const verified = login !== undefined
  loginEvent(request, ctx, 'provider_refused', 'AIHubMix answered with an error', { providerError: error.slice(0, 64), verified })
  const code = verified || REGISTERED_ERRORS.has(error) ? error : 'unknown_error'
  const description = verified ? params.error_description : undefined
  const page = ctx.pages.signIn({
    lang: languageOf(request),
    startUrl: withRd(ctx.paths.start, login?.rd ?? '/'),
    error: { code, ...(description === undefined ? {} : { description }) }
  })
  return sendPage(reply, page)
}
