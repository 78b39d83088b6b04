// <authPrefix>/sign_out (SPEC §4): POST, or GET when provably same-site; a cross-site GET only
// gets a page whose button POSTs, and a cross-site POST is refused, so no other site can sign
// a user out.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { isSameSiteSignOut } from '../../rules/origin.js'
import { validateRedirect } from '../../rules/redirect.js'
import type { AppContext } from '../context.js'
import { clearTicket, readTicket } from '../cookies.js'
import { answerError, answerUnavailable, languageOf, sendPage } from '../replies.js'
import { singleQueryValue } from './query.js'

const RETRY_AFTER_SECONDS = 5

function firstHeader (value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

export function ownOrigin (request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`
}

export async function signOutRoute (app: FastifyInstance, ctx: AppContext): Promise<void> {
  async function signOut (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const sameSite = isSameSiteSignOut({
      method: request.method,
      secFetchSite: firstHeader(request.headers['sec-fetch-site']),
      origin: firstHeader(request.headers.origin),
      referer: firstHeader(request.headers.referer),
      ownOrigin: ownOrigin(request)
    }, ctx.originPolicy)
    const rd = validateRedirect(singleQueryValue(request.url, 'rd'), ctx.redirectPolicy).rd
    if (!sameSite) {
      request.log.info({ event: 'sign_out', outcome: 'cross_site' }, 'sign-out refused: cross-site request')
      if (request.method === 'POST') return answerError(request, reply, ctx, { kind: 'cross_site' })
      const actionUrl = rd === '/' ? ctx.paths.signOut : `${ctx.paths.signOut}?rd=${encodeURIComponent(rd)}`
      return sendPage(reply, ctx.pages.signOutConfirm({ lang: languageOf(request), actionUrl }))
    }
    const ticket = readTicket(request)
    if (ticket !== undefined) {
      let userId: string | undefined
      try {
        userId = await ctx.sessions.destroy(ticket)
      } catch (err) {
        // Clearing only the cookie would leave a live session behind: fail closed, keep both.
        request.log.error({ err }, 'session store unavailable')
        return answerUnavailable(request, reply, ctx, 'store', RETRY_AFTER_SECONDS)
      }
      request.log.info({ event: 'sign_out', outcome: 'ok', userId }, 'signed out')
    }
    clearTicket(request)
    return reply.header('cache-control', 'no-store').redirect(rd, 302)
  }

  app.post(ctx.paths.signOut, { config: { routeKind: 'auth' } }, signOut)
  app.get(ctx.paths.signOut, { config: { routeKind: 'auth' } }, signOut)
}
