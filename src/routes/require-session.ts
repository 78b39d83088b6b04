// The gate in front of every protected route, the proxy's own userinfo and topup included
// (SPEC §5, §7): signed out -> sign_in / 401; store down -> 503; account no longer allowed ->
// 403. Answers the request itself when it does not let it through.
//
// allowBearer (SPEC §3): `lookupSession` also accepts `Authorization: Bearer <AIHubMix access
// token>`, so the proxy and forward-auth take bearer clients through the same two calls.
// Decisions (the SPEC is silent on them):
// - A request that sends the session cookie is judged by its session alone; the bearer is read
//   only when no session cookie came. A browser app that sends its own `Authorization` to its
//   own API keeps working, and the header then reaches the upstream untouched (it was not used
//   as a proxy bearer, §5).
// - `requireSession` (the proxy's own userinfo and topup) stays cookie-only: those endpoints
//   read and change a stored session, which a bearer client does not have.
// - A token AIHubMix refuses is looked up as signed out ('none', so code written for
//   SessionLookup treats it so) and gets 401 JSON with `WWW-Authenticate: Bearer error="invalid_token"`
//   (RFC 6750 §3.1), never a redirect: a client that sent a token is not a browser to send to
//   sign_in.
import type { FastifyReply, FastifyRequest } from 'fastify'
import { checkAccount } from '../rules/access.js'
import { readBearerToken, type BearerLookup, type BearerSession } from '../session/bearer.js'
import type { ActiveSession, SessionLookup } from '../session/service.js'
import type { AppContext } from './context.js'
import { clearTicket, readTicket } from './cookies.js'
import { answerError, answerSignedOut, answerUnavailable } from './replies.js'

export type RequestLookup = SessionLookup | BearerLookup
// Signed in and allowed: by cookie (ActiveSession) or by bearer token (BearerSession). Both
// carry `session.user`, `session.userId` and `session.tokens.accessToken`.
export type Admitted = ActiveSession | BearerSession

export async function lookupSession (request: FastifyRequest, ctx: AppContext): Promise<RequestLookup> {
  const ticket = readTicket(request)
  if (ticket !== undefined) return ctx.sessions.lookup(ticket, request.log)
  if (ctx.config.allowBearer) {
    const token = readBearerToken(request.headers.authorization)
    if (token !== undefined) return ctx.bearer.validate(token, request.log)
  }
  // §7: a request without a session cookie is answered as signed out without asking the store.
  return { state: 'none' }
}

async function lookupCookieSession (request: FastifyRequest, ctx: AppContext): Promise<SessionLookup> {
  const ticket = readTicket(request)
  if (ticket === undefined) return { state: 'none' }
  return ctx.sessions.lookup(ticket, request.log)
}

export async function requireSession (
  request: FastifyRequest, reply: FastifyReply, ctx: AppContext, lookup?: SessionLookup
): Promise<ActiveSession | undefined> {
  const found = lookup ?? await lookupCookieSession(request, ctx)
  return admit(request, reply, ctx, found)
}

export async function admit (request: FastifyRequest, reply: FastifyReply, ctx: AppContext, found: SessionLookup): Promise<ActiveSession | undefined>
export async function admit (request: FastifyRequest, reply: FastifyReply, ctx: AppContext, found: RequestLookup): Promise<Admitted | undefined>
export async function admit (
  request: FastifyRequest, reply: FastifyReply, ctx: AppContext, found: RequestLookup
): Promise<Admitted | undefined> {
  if (found.state === 'none' && 'invalidToken' in found) {
    await answerBearerRejected(request, reply, ctx)
    return undefined
  }
  switch (found.state) {
    case 'unavailable':
      await answerUnavailable(request, reply, ctx, found.cause, found.retryAfterSeconds)
      return undefined
    case 'none':
    case 'ended':
      if (readTicket(request) !== undefined) clearTicket(request)
      await answerSignedOut(request, reply, ctx)
      return undefined
  }
  const decision = checkAccount(found.session.user, ctx.accessPolicy)
  if (!decision.ok) {
    request.log.info({ event: 'access_refused', reason: decision.reason, userId: found.session.userId, via: found.state }, 'request refused')
    // §7: a disabled account ends the session; a narrowed allow list only refuses.
    if (decision.reason === 'disabled' && found.state === 'active') {
      await ctx.sessions.destroy(found.ticket, found.session.userId).catch(() => undefined)
      clearTicket(request)
    }
    await answerError(request, reply, ctx, { kind: decision.reason === 'disabled' ? 'account_disabled' : 'not_allowed' })
    return undefined
  }
  request.auth = { userId: found.session.userId }
  return found
}

function answerBearerRejected (request: FastifyRequest, reply: FastifyReply, ctx: AppContext): FastifyReply {
  return reply.code(401)
    .header('cache-control', 'no-store')
    .header('www-authenticate', 'Bearer error="invalid_token"')
    .send({ error: 'unauthorized', login_url: `${ctx.paths.start}?rd=${encodeURIComponent(request.url)}` })
}
