// GET <authPrefix>/sign_in (SPEC §4): the one-click page; the button goes to start with the
// validated rd.
import type { FastifyInstance } from 'fastify'
import { validateRedirect } from '../../rules/redirect.js'
import type { AppContext } from '../context.js'
import { languageOf, sendPage } from '../replies.js'
import { singleQueryValue, withRd } from './query.js'

export async function signInRoute (app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get(ctx.paths.signIn, { config: { routeKind: 'auth' } }, async (request, reply) => {
    const rd = validateRedirect(singleQueryValue(request.url, 'rd'), ctx.redirectPolicy).rd
    return sendPage(reply, ctx.pages.signIn({ lang: languageOf(request), startUrl: withRd(ctx.paths.start, rd) }))
  })
}
