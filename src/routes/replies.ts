// The answers every route shares (SPEC §4, §5, §7): a page for a browser navigation, JSON for
// anything else, with the same statuses. Routes decide; these only render.
import type { FastifyReply, FastifyRequest } from 'fastify'
import { pickLanguage, type ErrorPageInput, type Lang, type RenderedPage } from '../pages/index.js'
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

interface ErrorAnswer {
  status: number
  headers: Record<string, string>
  body: string | Record<string, unknown>
}

// An error answer: the page for browsers, `{error}` JSON (plus `extra`) for API clients.
function renderError (
  request: FastifyRequest, ctx: AppContext,
  input: Omit<ErrorPageInput, 'lang' | 'requestId'> & Record<string, unknown>, extra: Record<string, unknown> = {}
): ErrorAnswer {
  const page = ctx.pages.errorPage({ ...input, lang: languageOf(request), requestId: request.id } as ErrorPageInput)
  const retry: Record<string, string> = input.retryAfterSeconds === undefined ? {} : { 'retry-after': String(input.retryAfterSeconds) }
  // The proxy's own endpoints are visited by browsers, so they answer pages; a 429 follows
  // SPEC §3 (a page for browsers, JSON otherwise), since scripts retry them.
  const ownPage = request.routeOptions.config.routeKind === 'auth' && input.kind !== 'rate_limited'
  if (ownPage || isNavigation(request, ctx)) return { status: page.status, headers: { ...page.headers, ...retry }, body: page.html }
  return { status: page.status, headers: { 'cache-control': 'no-store', ...retry }, body: { error: JSON_ERRORS[input.kind], ...extra } }
}

export function answerError (
  request: FastifyRequest, reply: FastifyReply, ctx: AppContext,
  input: Omit<ErrorPageInput, 'lang' | 'requestId'> & Record<string, unknown>, extra: Record<string, unknown> = {}
): FastifyReply {
  const answer = renderError(request, ctx, input, extra)
  return reply.code(answer.status).headers(answer.headers).send(answer.body)
}

export function answerUnavailable (
  request: FastifyRequest, reply: FastifyReply, ctx: AppContext, cause: 'store' | 'provider', retryAfterSeconds: number
): FastifyReply {
  return answerError(request, reply, ctx, { kind: cause === 'store' ? 'store_unavailable' : 'provider_unavailable', retryAfterSeconds })
}
