// GET <authPrefix>/auth and <authPrefix>/auth/traefik (SPEC §6): the auth check for ingresses
// that route themselves (nginx auth_request, Envoy ext_authz, Traefik ForwardAuth).
//
// Both answer plain statuses, never the sign-in page or a redirect to it: nginx turns any 3xx
// from auth_request into a 500, and Envoy allows only exactly 200. The one redirect is
// Traefik's, which passes a non-2xx answer to the browser as is.
//
// Decisions (the SPEC is silent on them):
// - minBalance refuses with 403 here (a proxied request gets 402): auth_request knows only
//   401 and 403, and the ingress decides what the user sees.
// - /auth/traefik answers 400 to every peer outside trustProxy, signed in or not: without a
//   trusted Traefik in front the X-Forwarded-* headers mean nothing, and a plain 400 shows a
//   missing trustProxy at once rather than sending users to rd '/'.
// - Envoy appends the original path to its path_prefix: with `<authPrefix>/auth`, an original
//   path of exactly `/traefik` lands on the Traefik endpoint, and Envoy outside trustProxy gets
//   400 (denied, fail closed). The README's `<authPrefix>/auth/envoy` prefix avoids that: every
//   other path under `<authPrefix>/auth/` is this check, taken as written.
// - passAccessToken never adds X-Access-Token here (proxy/identity.ts): the answer is readable
//   by whoever can reach this endpoint, and nothing in the request tells an ingress's
//   subrequest from a page's own fetch. The README's configs keep /auth off the public route.
// - A dead cookie is not cleared: nginx drops an auth subrequest's Set-Cookie, and the ticket
//   names nothing any more.
// - A signed-out Traefik request is a browser navigation when X-Forwarded-Method is GET/HEAD,
//   the request's Accept has text/html, no X-Requested-With, and the original path is not an
//   apiRoutes path: §5's rule, applied to the request Traefik asks about.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { checkAccount, checkBalance } from '../../rules/access.js'
import { readForwardedRequest } from '../../rules/forwarded-request.js'
import { validateRedirect } from '../../rules/redirect.js'
import { isBrowserNavigation } from '../../rules/request-kind.js'
import { isApiRoute } from '../../rules/routes.js'
import type { AppContext } from '../context.js'
import { lookupSession } from '../require-session.js'

type Verdict =
  | { ok: true, headers: Record<string, string> }
  // signedOut: a browser could be sent to sign in (not a refusal, an outage or a bad bearer)
  | { ok: false, status: 401 | 403 | 503, error: string, signedOut?: true, headers?: Record<string, string> }

const REFUSAL_ERRORS = { not_allowed: 'forbidden', disabled: 'account_disabled', insufficient_balance: 'insufficient_balance' } as const

export async function forwardAuthRoutes (app: FastifyInstance, ctx: AppContext): Promise<void> {
  const { authPrefix, redirectUrl } = ctx.config
  // Traefik resolves a relative Location against the auth server, not the browser's host.
  const startUrl = `${redirectUrl.origin}${ctx.paths.start}`
  const routeOptions = { config: { routeKind: 'forward-auth' as const } }

  // Envoy's HTTP ext_authz asks with the original method and appends the original path to
  // its path_prefix, so /auth answers any method under any sub-path, and reads neither. A raw
  // path under /auth/ reaches /auth before normalization (app.ts, rules/path.ts); the wildcard
  // serves the spellings that only normalize into it (`<authPrefix>//auth/x`) and non-GET
  // requests for /auth/traefik.
  const check = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> =>
    answer(reply, await decide(request, ctx))
  app.all(`${authPrefix}/auth`, routeOptions, check)
  app.all(`${authPrefix}/auth/*`, routeOptions, check)

  app.get(`${authPrefix}/auth/traefik`, routeOptions, async (request, reply) => {
    if (!ctx.forwarding.isTrustedPeer(request.raw.socket.remoteAddress)) {
      request.log.info({ event: 'forward_auth_refused', reason: 'untrusted_peer' }, 'traefik forward-auth from a peer outside trustProxy')
      return reply.code(400).header('cache-control', 'no-store').send({ error: 'bad_request' })
    }
    const verdict = await decide(request, ctx)
    if (verdict.ok || verdict.signedOut !== true) return answer(reply, verdict)
    const original = readForwardedRequest({
      method: request.headers['x-forwarded-method'],
      proto: request.headers['x-forwarded-proto'],
      host: request.headers['x-forwarded-host'],
      uri: request.headers['x-forwarded-uri']
    })
    const navigation = original.method !== undefined && original.path !== undefined && isBrowserNavigation({
      method: original.method,
      accept: request.headers.accept,
      xRequestedWith: request.headers['x-requested-with'],
      isApiRoute: isApiRoute(original.path, ctx.routeRules)
    })
    if (!navigation) return answer(reply, verdict)
    const rd = validateRedirect(original.url, ctx.redirectPolicy)
    if (!rd.ok) request.log.info({ event: 'rd_refused', reason: rd.reason }, 'redirect target refused')
    return reply.code(302).header('cache-control', 'no-store').redirect(`${startUrl}?rd=${encodeURIComponent(rd.rd)}`, 302)
  })
}

// The gate's decision (require-session.ts `admit`) without its pages and redirects; a bearer
// token (allowBearer) counts as a session, as on a proxied request.
async function decide (request: FastifyRequest, ctx: AppContext): Promise<Verdict> {
  const found = await lookupSession(request, ctx)
  if (found.state === 'none' && 'invalidToken' in found) {
    // RFC 6750 §3.1, as the proxy answers it: Envoy passes this answer on to the client.
    return { ok: false, status: 401, error: 'unauthorized', headers: { 'www-authenticate': 'Bearer error="invalid_token"' } }
  }
  switch (found.state) {
    case 'unavailable':
      // §7: fail closed.
      return {
        ok: false,
        status: 503,
        error: found.cause === 'store' ? 'session_store_unavailable' : 'provider_unavailable',
        headers: { 'retry-after': String(found.retryAfterSeconds) }
      }
    case 'none':
    case 'ended':
      return { ok: false, status: 401, error: 'unauthorized', signedOut: true }
  }
  const account = checkAccount(found.session.user, ctx.accessPolicy)
  const balance = checkBalance(found.session.user.balance_formatted, ctx.accessPolicy)
  if (!account.ok || !balance.ok) {
    const reason = account.ok ? 'insufficient_balance' : account.reason
    request.log.info({ event: 'access_refused', reason, userId: found.session.userId, via: found.state }, 'request refused')
    // §7: a disabled account ends the session, as on a proxied request.
    if (reason === 'disabled' && found.state === 'active') {
      await ctx.sessions.destroy(found.ticket, found.session.userId).catch(() => undefined)
    }
    return { ok: false, status: 403, error: REFUSAL_ERRORS[reason] }
  }
  request.auth = { userId: found.session.userId }
  return { ok: true, headers: ctx.identityHeaders(found, 'ingress') }
}

function answer (reply: FastifyReply, verdict: Verdict): FastifyReply {
  reply.header('cache-control', 'no-store')
  if (verdict.ok) return reply.code(200).headers(verdict.headers).send()
  if (verdict.headers !== undefined) reply.headers(verdict.headers)
  return reply.code(verdict.status).send({ error: verdict.error })
}
