// The answers every route shares (SPEC §4, §5, §7): a page for a browser navigation, JSON for
// anything else, with the same statuses. Routes decide; these only render.
import type { FastifyReply, FastifyRequest } from 'fastify'
import { ERROR_STATUS, pickLanguage, type ErrorPageInput, type Lang, type RenderedPage } from '../pages/index.js'
import { isBrowserNavigation } from '../rules/request-kind.js'
import { isApiRoute } from '../rules/routes.js'
import type { AppContext } from './context.js'

export function languageOf (request: FastifyRequest): Lang {
  return pickLanguage(request.headers['accept-language'])
}

export function isNavigation (request: FastifyRequest, ctx: AppContext): boolean {
  return isBrowserNavigation({
    method: request.method,
    accept: request.headers.accept,
    xRequestedWith: request.headers['x-requested-with'],
    isApiRoute: isApiRoute(pathOf(request.url), ctx.routeRules)
  })
}

export function pathOf (url: string): string {
  const q = url.indexOf('?')
  return q === -1 ? url : url.slice(0, q)
}

export function sendPage (reply: FastifyReply, page: RenderedPage): FastifyReply {
  return reply.code(page.status).headers(page.headers).send(page.html)
}

// §4: the 401 body's login_url and the sign_in redirect carry the original path and query,
// relative, so each replica and host name keeps its users.
export function answerSignedOut (request: FastifyRequest, reply: FastifyReply, ctx: AppContext): FastifyReply {
  const rd = encodeURIComponent(request.url)
  if (isNavigation(request, ctx)) {
    return reply.code(302).header('cache-control', 'no-store').redirect(`${ctx.paths.signIn}?rd=${rd}`, 302)
  }
  return reply.code(401).header('cache-control', 'no-store')
    .send({ error: 'unauthorized', login_url: `${ctx.paths.start}?rd=${rd}` })
}

const JSON_ERRORS: Record<ErrorPageInput['kind'], string> = {
  bad_request: 'bad_request',
  state_invalid: 'invalid_state',
  account_disabled: 'account_disabled',
  not_allowed: 'forbidden',
  insufficient_balance: 'insufficient_balance',
  provider_error: 'provider_unavailable',
  provider_unavailable: 'provider_unavailable',
  upstream_unavailable: 'upstream_unavailable',
  upstream_timeout: 'upstream_timeout',
  store_unavailable: 'session_store_unavailable',
  rate_limited: 'rate_limited',
  overloaded: 'overloaded',
  cross_site: 'cross_site_request',
  not_found: 'not_found'
}

// SPEC §4: start, callback, sign_in and sign_out are where a browser is sent (by a link, the
// provider's redirect or a form), so whatever they answer is a page, even to a request that
// does not look like a navigation (the sign-out form's POST). Every other route, the proxy's
// userinfo and topup included, answers like a protected route (§5): a page for a browser
// navigation, JSON otherwise. A 429 follows §3 everywhere (scripts retry it).
function isBrowserEndpoint (request: FastifyRequest, ctx: AppContext): boolean {
  const url = request.routeOptions.url
  const paths = ctx.paths
  return url === paths.start || url === paths.callback || url === paths.signIn || url === paths.signOut
}

// An error answer: the page for browsers, `{error}` JSON (plus `extra`) for API clients.
export function answerError (
  request: FastifyRequest, reply: FastifyReply, ctx: AppContext,
  input: Omit<ErrorPageInput, 'lang' | 'requestId'> & Record<string, unknown>, extra: Record<string, unknown> = {}
): FastifyReply {
  if (input.retryAfterSeconds !== undefined) reply.header('retry-after', String(input.retryAfterSeconds))
  const asPage = input.kind !== 'rate_limited' && isBrowserEndpoint(request, ctx)
  if (asPage || isNavigation(request, ctx)) {
    return sendPage(reply, ctx.pages.errorPage({ ...input, lang: languageOf(request), requestId: request.id } as ErrorPageInput))
  }
  return reply.code(ERROR_STATUS[input.kind]).header('cache-control', 'no-store').send({ error: JSON_ERRORS[input.kind], ...extra })
}

export function answerUnavailable (
  request: FastifyRequest, reply: FastifyReply, ctx: AppContext, cause: 'store' | 'provider', retryAfterSeconds: number
): FastifyReply {
  return answerError(request, reply, ctx, { kind: cause === 'store' ? 'store_unavailable' : 'provider_unavailable', retryAfterSeconds })
}
