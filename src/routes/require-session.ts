// The gate in front of every protected route, the proxy's own userinfo and topup included
// (SPEC §5, §7): signed out -> sign_in / 401; store down -> 503; account no longer allowed ->
// 403. Answers the request itself when it does not let it through.
import type { FastifyReply, FastifyRequest } from 'fastify'
import { checkAccount } from '../rules/access.js'
import type { ActiveSession, SessionLookup } from '../session/service.js'
import type { AppContext } from './context.js'
import { clearTicket, readTicket } from './cookies.js'
import { answerError, answerSignedOut, answerUnavailable } from './replies.js'

export async function lookupSession (request: FastifyRequest, ctx: AppContext): Promise<SessionLookup> {
  const ticket = readTicket(request)
  // §7: a request without a session cookie is answered as signed out without asking the store.
  if (ticket === undefined) return { state: 'none' }
  return ctx.sessions.lookup(ticket, request.log)
}

export async function requireSession (
  request: FastifyRequest, reply: FastifyReply, ctx: AppContext, lookup?: SessionLookup
): Promise<ActiveSession | undefined> {
  const found = lookup ?? await lookupSession(request, ctx)
  return admit(request, reply, ctx, found)
}

export async function admit (
  request: FastifyRequest, reply: FastifyReply, ctx: AppContext, found: SessionLookup
): Promise<ActiveSession | undefined> {
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
    request.log.info({ event: 'access_refused', reason: decision.reason, userId: found.session.userId }, 'request refused')
    // §7: a disabled account ends the session; a narrowed allow list only refuses.
    if (decision.reason === 'disabled') {
      await ctx.sessions.destroy(found.ticket, found.session.userId).catch(() => undefined)
      clearTicket(request)
    }
    await answerError(request, reply, ctx, { kind: decision.reason === 'disabled' ? 'account_disabled' : 'not_allowed' })
    return undefined
  }
  request.auth = { userId: found.session.userId }
  return found
}
