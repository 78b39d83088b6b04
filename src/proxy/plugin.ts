// Proxying (SPEC §5): every path outside the proxy's own endpoints goes to the upstream through
// @fastify/http-proxy, after the session gate in its preHandler. The path forwarded is the
// normalized one the gate matched (app.ts rewrites request.url before routing).
import { readFileSync } from 'node:fs'
import httpProxy from '@fastify/http-proxy'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { classifyUpstreamError } from '../observability/metrics.js'
import type { AppContext } from '../routes/context.js'
import { answerError, pathOf } from '../routes/replies.js'
import { readTicket } from '../routes/cookies.js'
import { admit, lookupSession } from '../routes/require-session.js'
import { ownOrigin } from '../routes/auth/sign-out.js'
import { checkAccount, checkBalance } from '../rules/access.js'
import { isAllowedWebsocketOrigin } from '../rules/origin.js'
import { isSkipAuth } from '../rules/routes.js'
import { readBearerToken } from '../session/bearer.js'
import { applyForwardedHeaders, websocketRequestHeaders } from './upstream-headers.js'

declare module 'fastify' {
  interface FastifyRequest {
    identityHeaders?: Record<string, string>
  }
}

export async function proxyRoutes (app: FastifyInstance, ctx: AppContext): Promise<void> {
  const { config } = ctx
  const basePath = config.upstream.pathname.replace(/\/+$/, '')
  const ca = config.upstreamCaFile === undefined ? undefined : readFileSync(config.upstreamCaFile)

  async function gate (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    const bearerRead = readsProxyBearer(request)
    const found = await lookupSession(request, ctx)
    // §5: a token the proxy read as its bearer never reaches the upstream, whatever AIHubMix
    // said of it (accepted, refused, or not asked in time): on a skipped route a refused or
    // unchecked request is still proxied, and its token is still a live AIHubMix credential.
    if (bearerRead) dropProxyBearer(request)
    if (isSkipAuth(request.method, pathOf(request.url), ctx.routeRules)) {
      // §5: skipped routes need no session; identity only when a valid one happens to exist,
      // and never on an upgrade another site started: the route is public, so the socket is
      // proxied, but not as the user (cross-site websocket hijacking).
      if ((found.state === 'active' || found.state === 'bearer') && checkAccount(found.session.user, ctx.accessPolicy).ok) {
        if (isCrossSiteUpgrade(request, found.state)) {
          request.log.info({ event: 'websocket_identity_withheld', reason: 'origin' }, 'cross-site websocket on a skipped route proxied without identity')
        } else {
          request.auth = { userId: found.session.userId }
          request.identityHeaders = ctx.identityHeaders(found, 'upstream')
        }
      }
      request.upstreamTiming = { startedAt: performance.now() }
      return undefined
    }
    const active = await admit(request, reply, ctx, found)
    if (active === undefined) return reply
    const balance = checkBalance(active.session.user.balance_formatted, ctx.accessPolicy)
    if (!balance.ok) {
      return answerError(request, reply, ctx, { kind: 'insufficient_balance', topupUrl: ctx.paths.topup, ...(balance.balance === undefined ? {} : { balance: balance.balance }) },
        { balance: balance.balance ?? null, topup_url: ctx.paths.topup })
    }
    if (isCrossSiteUpgrade(request, active.state)) {
      request.log.info({ event: 'websocket_refused', reason: 'origin' }, 'cross-site websocket refused')
      return answerError(request, reply, ctx, { kind: 'cross_site' })
    }
    request.identityHeaders = ctx.identityHeaders(active, 'upstream')
    request.upstreamTiming = { startedAt: performance.now() }
    return undefined
  }

  // §5: read exactly as lookupSession reads it: no session cookie came, allowBearer is on, and
  // Authorization holds a `Bearer` token.
  function readsProxyBearer (request: FastifyRequest): boolean {
    return config.allowBearer && readTicket(request) === undefined && readBearerToken(request.headers.authorization) !== undefined
  }

  // §5: an upgrade needs the proxy's own origin (or an allowed redirect domain). A browser
  // cannot put Authorization on a websocket handshake, so only a cookie session can be ridden
  // cross-site: bearer clients (scripts, CLIs) send no Origin and need no check.
  function isCrossSiteUpgrade (request: FastifyRequest, via: 'active' | 'bearer'): boolean {
    return request.headers.upgrade !== undefined && via === 'active' &&
      !isAllowedWebsocketOrigin(headerValue(request.headers.origin), ownOrigin(request), ctx.originPolicy)
  }

  await app.register(httpProxy, {
    upstream: config.upstream.origin,
    prefix: '/',
    // Websocket upgrades go to the upstream's path too (http-proxy joins this to the request
    // path; the HTTP handler below adds basePath itself). Location headers are left as the
    // upstream wrote them, on HTTP as before: http-proxy's rewrite would replace the first
    // '<basePath>/' found anywhere in a relative Location.
    rewritePrefix: `${basePath}/`,
    internalRewriteLocationHeader: false,
    websocket: true,
    config: { routeKind: 'proxy' },
    preHandler: gate,
    // The access line (observability/logger.ts) already covers the upstream's answer.
    disableRequestLogging: true,
    // The query travels exactly as the client wrote it (http-proxy would re-encode it).
    handler: (request, reply, _dest, options) => reply.from(basePath + request.url, options),
    undici: {
      headersTimeout: config.upstreamTimeout,
      // §5: a stream is never cut once its headers arrived (SSE may idle for long).
      bodyTimeout: 0,
      // §5: reply-from defaults tls.rejectUnauthorized to false and undici applies `connect`
      // after `tls`: verification is switched back on here, for every https upstream.
      connect: { rejectUnauthorized: true, ...(ca === undefined ? {} : { ca }) }
    },
    replyOptions: {
      rewriteHeaders: (headers, request) => {
        const timing = (request as FastifyRequest | undefined)?.upstreamTiming
        if (timing !== undefined) timing.headersMs = performance.now() - timing.startedAt
        // Hop-by-hop (RFC 9110 §7.6.1): the upstream's keep-alive terms are not the client's.
        delete headers['keep-alive']
        return headers
      },
      // Added here, after reply-from dropped Connection-listed headers, so a client cannot name
      // X-User-Id in `Connection` to strip what the proxy adds.
      rewriteRequestHeaders: (request, headers) => {
        applyForwardedHeaders(headers, { remoteAddress: request.raw.socket.remoteAddress, protocol: request.protocol, host: request.host }, ctx.forwarding)
        // §10: the upstream logs the same id (the client's, when it was safe, else ours).
        headers['x-request-id'] = request.id
        return request.identityHeaders === undefined ? headers : { ...headers, ...request.identityHeaders }
      },
      onError: (reply, { error }) => {
        const timedOut = (error as { statusCode?: number }).statusCode === 504
        const request = reply.request as FastifyRequest
        request.log.warn({ event: 'upstream_error', err: error }, 'upstream request failed')
        ctx.metrics.upstreamError(classifyUpstreamError(error))
        answerError(request, reply as FastifyReply, ctx, { kind: timedOut ? 'upstream_timeout' : 'upstream_unavailable' })
      }
    },
    // http-proxy reads rewriteRequestHeaders from here although its types omit it. Its default
    // forwards only the cookie; the upgrade carries the client's headers (already stripped,
    // §5) as an HTTP request does, with the same forwarding facts and request id (§5, §10).
    wsClientOptions: {
      ...(ca === undefined ? {} : { ca }),
      rewriteRequestHeaders: (_headers: Record<string, string>, request: FastifyRequest) => {
        const out = websocketRequestHeaders(request.headers)
        applyForwardedHeaders(out, { remoteAddress: request.raw.socket.remoteAddress, protocol: request.protocol, host: request.host }, ctx.forwarding)
        out['x-request-id'] = request.id
        return { ...out, ...request.identityHeaders }
      }
    } as Record<string, unknown>
  })
}

// §5: a token used as a proxy bearer is AIHubMix's credential, not the app's: it never reaches
// the upstream. Removed from the request itself, so the HTTP and the websocket paths (which
// both copy request.headers) and anything that logs headers later never see it.
function dropProxyBearer (request: FastifyRequest): void {
  delete request.headers.authorization
}

function headerValue (value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}
