// GET <authPrefix>/topup (SPEC §4): AIHubMix's top-up URL for this user, fetched with the
// session's token; followed only to the provider's own hosts or an allowed domain. A 401 gets
// one token refresh before the session ends, as userinfo does (SPEC §7; the service's rule).
//
// Decision (the SPEC is silent on it): a top-up URL that is not http(s) on an allowed host is
// answered like any AIHubMix failure here: the 502 page (JSON for API clients), logged with
// its host. The user cannot fix it; the operator can (allowedRedirectDomains).
import type { FastifyInstance } from 'fastify'
import { isAllowedHost } from '../../rules/allowed-hosts.js'
import type { AppContext } from '../context.js'
import { clearTicket } from '../cookies.js'
import { answerError, answerSignedOut, answerUnavailable } from '../replies.js'
import { requireSession } from '../require-session.js'

export async function topupRoute (app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get(ctx.paths.topup, { config: { routeKind: 'auth' } }, async (request, reply) => {
    const active = await requireSession(request, reply, ctx)
    if (active === undefined) return reply
    const result = await ctx.sessions.callWithToken(active, request.log, (accessToken) => ctx.provider.topup(accessToken))
    switch (result.state) {
      case 'ended':
      case 'none':
        clearTicket(request)
        return answerSignedOut(request, reply, ctx)
      case 'unavailable':
        return answerUnavailable(request, reply, ctx, result.cause, result.retryAfterSeconds)
      case 'failed':
        request.log.warn({ event: 'topup', outcome: 'provider_error', err: result.err }, 'top-up URL unavailable')
        return answerError(request, reply, ctx, { kind: 'provider_error' })
    }
    let target: URL
    try {
      target = new URL(result.value)
    } catch (err) {
      request.log.warn({ event: 'topup', outcome: 'provider_error', err }, 'top-up URL unreadable')
      return answerError(request, reply, ctx, { kind: 'provider_error' })
    }
    if ((target.protocol !== 'https:' && target.protocol !== 'http:') ||
      target.username !== '' || target.password !== '' || !isAllowedHost(target.hostname, target.port, ctx.topupHosts)) {
      request.log.warn({ event: 'topup', outcome: 'host_refused', host: target.host }, 'top-up URL refused')
      return answerError(request, reply, ctx, { kind: 'provider_error' })
    }
    return reply.header('cache-control', 'no-store').redirect(target.href, 302)
  })
}
