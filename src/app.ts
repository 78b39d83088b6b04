// buildApp(config, deps): the whole proxy as a Fastify instance that is not listening. Wiring
// only: the order below is a security property (cookies are read, then the client's spoofable
// headers and the proxy's cookies are stripped, before any route runs).
import { randomBytes as cryptoRandomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { IncomingMessage } from 'node:http'
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { Config } from './config/index.js'
import { RateLimited } from './errors.js'
import { AccessLogController, createLogger, generateRequestId } from './observability/logger.js'
import { createMetrics, instrumentStore, type Metrics } from './observability/metrics.js'
import { createPages } from './pages/index.js'
import { createProviderClient, type ProviderClient } from './provider/client.js'
import { createIdentityHeaders } from './proxy/identity.js'
import { proxyRoutes } from './proxy/plugin.js'
import { compileForwardingPolicy } from './proxy/upstream-headers.js'
import { callbackRoute } from './routes/auth/callback.js'
import { forwardAuthRoutes } from './routes/auth/forward-auth.js'
import { jwksRoute } from './routes/auth/jwks.js'
import { signInRoute } from './routes/auth/sign-in.js'
import { signOutRoute } from './routes/auth/sign-out.js'
import { startRoute } from './routes/auth/start.js'
import { topupRoute } from './routes/auth/topup.js'
import { userinfoRoute } from './routes/auth/userinfo.js'
import { authPaths, type AppContext } from './routes/context.js'
import { cookieSettings, registerCookies } from './routes/cookies.js'
import { healthRoutes } from './routes/health.js'
import { DEFAULT_LOAD_SHEDDING, registerLoadShedding, type LoadSheddingLimits } from './routes/load-shedding.js'
import { registerLoginRateLimit } from './routes/rate-limit.js'
import { answerError } from './routes/replies.js'
import { compileAccessPolicy } from './rules/access.js'
import { compileAllowedHosts } from './rules/allowed-hosts.js'
import { compileHeaderStripPolicy, stripClientHeaders } from './rules/header-strip.js'
import { compileOriginPolicy } from './rules/origin.js'
import { isForwardAuthTarget, normalizePath, type NormalizedTarget } from './rules/path.js'
import { compileRedirectPolicy } from './rules/redirect.js'
import { compileRouteRules } from './rules/routes.js'
import { createBearerValidator } from './session/bearer.js'
import { createSessionService } from './session/service.js'
import type { SessionStore } from './session/store.js'
import './request-context.js'

export interface AppDeps {
  store: SessionStore
  // default: a client on its own connection pool, closed with the app
  provider?: ProviderClient
  logger?: Logger
  // default: a fresh registry without process metrics (the CLI adds those once per process)
  metrics?: Metrics
  // tests lower these to see shedding without loading the machine for seconds
  loadShedding?: LoadSheddingLimits
  now?: () => number
  randomBytes?: (size: number) => Buffer
}

const kTarget = Symbol('aihubmix-auth-proxy.target')
type TargetedRequest = IncomingMessage & { [kTarget]?: NormalizedTarget }

export async function buildApp (config: Config, deps: AppDeps): Promise<FastifyInstance> {
  const now = deps.now ?? Date.now
  const randomBytes = deps.randomBytes ?? cryptoRandomBytes
  const metrics = deps.metrics ?? createMetrics({ collectDefault: false })
  const store = instrumentStore(deps.store, metrics)
  const ownsProvider = deps.provider === undefined
  const provider = deps.provider ?? createProviderClient({
    authorizeUrl: config.authorizeUrl,
    tokenUrl: config.tokenUrl,
    userinfoUrl: config.userinfoUrl,
    topupUrl: config.topupUrl,
    appsUrl: config.appsUrl,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    redirectUri: config.redirectUrl.href,
    scope: config.scope,
    autoAuthorize: config.autoAuthorize,
    timeoutMs: config.providerTimeout,
    onCall: metrics.providerCall
  })
  const cookies = cookieSettings(config)
  const ctx: AppContext = {
    config,
    store,
    provider,
    sessions: createSessionService({
      store,
      provider,
      now,
      randomBytes,
      sessionIdleTimeout: config.sessionIdleTimeout,
      sessionMaxAge: config.sessionMaxAge,
      refreshSkew: config.refreshSkew,
      userinfoTtl: config.userinfoTtl,
      providerTimeout: config.providerTimeout,
      onRefresh: metrics.tokenRefresh
    }),
    pages: createPages({ formActionOrigins: [config.authorizeUrl.origin, config.redirectUrl.origin], allowedRedirectDomains: config.allowedRedirectDomains }),
    paths: authPaths(config.authPrefix),
    redirectPolicy: compileRedirectPolicy(config),
    originPolicy: compileOriginPolicy(config),
    routeRules: compileRouteRules(config),
    accessPolicy: compileAccessPolicy(config),
    forwarding: compileForwardingPolicy(config.trustProxy),
    topupHosts: compileAllowedHosts(config.allowedRedirectDomains, [config.providerUrl, config.authorizeUrl, config.topupUrl]),
    cookies,
    metrics,
    identityHeaders: createIdentityHeaders(config),
    bearer: createBearerValidator({ userinfo: (token) => provider.userinfo(token), now, ttlMs: config.userinfoTtl }),
    now,
    randomBytes
  }
  const stripPolicy = compileHeaderStripPolicy({ cookieNames: [config.cookieName], cookiePrefixes: [cookies.stateCookiePrefix] })

  const tls = config.tlsCertFile !== undefined && config.tlsKeyFile !== undefined
    ? { https: { cert: readFileSync(config.tlsCertFile), key: readFileSync(config.tlsKeyFile) } }
    : {}
  const app = Fastify({
    ...tls,
    loggerInstance: (deps.logger ?? createLogger(config)) as FastifyBaseLogger,
    logController: new AccessLogController(),
    genReqId: generateRequestId,
    requestIdHeader: false,
    trustProxy: config.trustProxy === false ? false : [...config.trustProxy],
    // §5: one path, matched and forwarded. Normalized before routing, so the router, the
    // skip/API rules and the upstream all see the same string.
    // §6: a forward-auth target is recognised on the raw URL, before normalization, so a path
    // Envoy appends to <authPrefix>/auth can never pick another route (rules/path.ts).
    rewriteUrl (req: TargetedRequest) {
      const raw = req.url ?? '/'
      if (isForwardAuthTarget(raw, config.authPrefix)) return `${config.authPrefix}/auth`
      const target = normalizePath(raw)
      req[kTarget] = target
      return target.ok ? target.path + target.search : '/'
    },
    // A hung upstream or provider must not keep close() from finishing (SIGTERM drains).
    forceCloseConnections: 'idle'
  })

  await registerCookies(app, config, cookies)
  app.addHook('onRequest', async (request, reply) => {
    // §5: before anything else, on every route, skipped ones included.
    stripClientHeaders(request.headers, stripPolicy)
    const target = (request.raw as TargetedRequest)[kTarget]
    if (target !== undefined && !target.ok) {
      request.log.info({ event: 'path_refused', reason: target.reason }, 'request path refused')
      return answerError(request, reply, ctx, { kind: 'bad_request' })
    }
    return undefined
  })
  app.addHook('onResponse', async (request, reply) => {
    metrics.observeRequest(request.routeOptions.config.routeKind, request.method, reply.statusCode, reply.elapsedTime / 1000)
  })

  // Set before any route scope is registered: each scope keeps the handler it was created with.
  app.setErrorHandler(async (err, request, reply) => {
    if (err instanceof RateLimited) {
      request.log.info({ event: 'rate_limited', route: request.routeOptions.url }, 'login rate limit reached')
      return answerError(request, reply, ctx, { kind: 'rate_limited', retryAfterSeconds: Number(reply.getHeader('retry-after')) })
    }
    request.log.error({ err }, 'request failed')
    const status = (err as { statusCode?: number }).statusCode
    if (status !== undefined && status >= 400 && status < 500) {
      return answerError(request, reply, ctx, { kind: 'bad_request' })
    }
    return answerError(request, reply, ctx, { kind: 'upstream_unavailable' })
  })

  await registerLoadShedding(app, ctx, deps.loadShedding ?? DEFAULT_LOAD_SHEDDING)
  await app.register(healthRoutes, ctx)
  await registerLoginRateLimit(app, ctx)
  await app.register(async (auth) => {
    // sign_out's form POST carries a body the routes never read; the proxy's scope keeps its
    // own parsers so upstream bodies stream untouched.
    auth.addContentTypeParser('application/x-www-form-urlencoded', (_request, payload, done) => {
      payload.resume()
      done(null, undefined)
    })
    for (const route of [startRoute, callbackRoute, signInRoute, signOutRoute, userinfoRoute, topupRoute, forwardAuthRoutes, jwksRoute]) {
      await route(auth, ctx)
    }
    // The prefix belongs to the proxy: an unknown path under it is a 404, never proxied.
    auth.all(`${config.authPrefix}/*`, { config: { routeKind: 'auth' } }, async (request, reply) =>
      answerError(request, reply, ctx, { kind: 'not_found' }))
  })
  await app.register(proxyRoutes, ctx)

  app.addHook('onClose', async () => {
    if (ownsProvider) await provider.close()
  })
  return app
}
