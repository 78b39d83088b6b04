// GET <authPrefix>/userinfo (SPEC §4): the session's userinfo, each value with the JSON type
// AIHubMix gave it; ?refresh=1 asks AIHubMix now and saves the answer for the next request.
import type { FastifyInstance } from 'fastify'
import type { UserInfo } from '../../provider/responses.js'
import type { AppContext } from '../context.js'
import { requireSession } from '../require-session.js'
import { singleQueryValue } from './query.js'

const FIELDS = ['id', 'username', 'email', 'quota', 'used_quota', 'balance_formatted'] as const

function publicView (user: UserInfo): Partial<UserInfo> {
  const view: Record<string, unknown> = {}
  for (const field of FIELDS) if (user[field] !== undefined) view[field] = user[field]
  return view as Partial<UserInfo>
}

export async function userinfoRoute (app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get(ctx.paths.userinfo, { config: { routeKind: 'auth' } }, async (request, reply) => {
    // ?refresh=1 takes only userinfo AIHubMix was asked for after this moment (service.ts).
    const since = ctx.now()
    let active = await requireSession(request, reply, ctx)
    if (active === undefined) return reply
    if (singleQueryValue(request.url, 'refresh') === '1') {
      active = await requireSession(request, reply, ctx, await ctx.sessions.refreshUserinfo(active, request.log, since))
      if (active === undefined) return reply
    }
    return reply.header('cache-control', 'no-store').send(publicView(active.session.user))
  })
}
