// GET <authPrefix>/topup (SPEC §4): AIHubMix's top-up URL for this user, fetched with the
// session's token; followed only to the provider's own hosts or an allowed domain.
import type { FastifyInstance } from 'fastify'
import { isGrantInvalid } from '../../provider/failure.js'
import { isAllowedHost } from '../../rules/allowed-hosts.js'
import type { AppContext } from '../context.js'
import { clearTicket } from '../cookies.js'
import { answerError, answerSignedOut } from '../replies.js'
import { requireSession } from '../require-session.js'

export async function topupRoute (app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get(ctx.paths.topup, { config: { routeKind: 'auth' } }, async (request, reply) => {
    const active = await requireSession(request, reply, ctx)
    if (active === undefined) return reply
    let target: URL
    try {
      target = new URL(await ctx.provider.topup(active.session.tokens.accessToken))
    } catch (err) {
      if (isGrantInvalid(err)) {
        await ctx.sessions.destroy(active.ticket, active.session.userId).catch(() => undefined)
        clearTicket(request)
        return answerSignedOut(request, reply, ctx)
      }
      request.log.warn({ event: 'topup', outcome: 'provider_error', err }, 'top-up URL unavailable')
      return answerError(request, reply, ctx, { kind: 'provider_error' })
    }
    if ((target.protocol !== 'https:' && target.protocol !== 'http:') ||
      target.username !== '' || !isAllowedHost(target.hostname, target.port, ctx.topupHosts)) {
      request.log.warn({ event: 'topup', outcome: 'host_refused', host: target.host }, 'top-up URL refused')
      return answerError(request, reply, ctx, { kind: 'provider_error' })
    }
    return reply.header('cache-control', 'no-store').redirect(target.href, 302)
  })
}
