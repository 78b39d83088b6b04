// GET <authPrefix>/start (SPEC §4): a new state and PKCE verifier bound to this browser in a
// sealed cookie with the validated rd, then off to AIHubMix's authorize endpoint.
import type { FastifyInstance } from 'fastify'
import { createPkcePair, createState } from '../../provider/pkce.js'
import { validateRedirect } from '../../rules/redirect.js'
import type { AppContext } from '../context.js'
import { setLoginState } from '../cookies.js'
import { loginRateLimit } from '../rate-limit.js'
import { answerUnavailable } from '../replies.js'
import { singleQueryValue } from './query.js'

const RETRY_AFTER_SECONDS = 5

export async function startRoute (app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get(ctx.paths.start, { config: { routeKind: 'auth', rateLimit: loginRateLimit(ctx) } }, async (request, reply) => {
    // The callback must record the state as used; without the store it could not.
    try {
      await ctx.store.ping()
    } catch (err) {
      request.log.error({ err }, 'session store unavailable')
      return answerUnavailable(request, reply, ctx, 'store', RETRY_AFTER_SECONDS)
    }
    const rd = validateRedirect(singleQueryValue(request.url, 'rd'), ctx.redirectPolicy)
    if (!rd.ok && rd.reason !== 'missing') request.log.info({ event: 'rd_refused', reason: rd.reason }, 'rd replaced by /')
    const state = createState(ctx.randomBytes)
    const pkce = ctx.config.pkce ? createPkcePair(ctx.randomBytes) : undefined
    setLoginState(app, request, reply, ctx.cookies, { state, verifier: pkce?.verifier, rd: rd.rd })
    const location = ctx.provider.buildAuthorizeUrl({ state, ...(pkce === undefined ? {} : { codeChallenge: pkce.challenge }) })
    return reply.header('cache-control', 'no-store').redirect(location, 302)
  })
}
