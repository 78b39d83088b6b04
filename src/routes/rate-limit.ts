// SPEC §3 loginRateLimit: start and callback are limited per client IP (as Fastify resolves it
// with trustProxy), each route on its own counter. @fastify/rate-limit does the bookkeeping;
// the counts live in the session store, so with Redis every replica shares them. If the store
// cannot count, the request goes on: start and callback then answer 503 themselves.
import fastifyRateLimit, { type FastifyRateLimitStore, type FastifyRateLimitStoreCtor } from '@fastify/rate-limit'
import type { FastifyInstance } from 'fastify'
import { RateLimited } from '../errors.js'
import type { SessionStore } from '../session/store.js'
import type { AppContext } from './context.js'

// The store shape @fastify/rate-limit instantiates (`new Store(options)`) and asks for one
// child per route; each child counts under its own key prefix.
function storeClass (store: SessionStore): FastifyRateLimitStoreCtor {
  class Counter implements FastifyRateLimitStore {
    readonly prefix: string
    constructor (_options?: unknown, prefix = 'rl:') {
      this.prefix = prefix
    }

    incr (key: string, callback: (err: Error | null, result?: { current: number, ttl: number }) => void, windowMs: number): void {
      store.hit(this.prefix + key, windowMs).then(
        ({ count, ttlMs }) => callback(null, { current: count, ttl: ttlMs }),
        (err: Error) => callback(err)
      )
    }

    child (routeOptions: Parameters<FastifyRateLimitStore['child']>[0]): FastifyRateLimitStore {
      // At run time the plugin passes its merged options with the route under `routeInfo` (as
      // its own RedisStore reads them); the published types describe the route itself.
      const route = (routeOptions as unknown as { routeInfo?: { url?: string } }).routeInfo?.url ?? routeOptions.url
      return new Counter(undefined, `${this.prefix}${route}:`)
    }
  }
  return Counter
}

export async function registerLoginRateLimit (app: FastifyInstance, ctx: AppContext): Promise<void> {
  await app.register(fastifyRateLimit, {
    global: false,
    store: storeClass(ctx.store),
    skipOnError: true,
    keyGenerator: (request) => request.ip,
    addHeadersOnExceeding: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false },
    addHeaders: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false, 'retry-after': true },
    errorResponseBuilder: (_request, context) => new RateLimited(Math.max(1, Math.ceil(context.ttl / 1000)))
  })
}

/** The route option that puts a route under loginRateLimit; `false` when it is off (0). */
export function loginRateLimit (ctx: AppContext): { max: number, timeWindow: number } | false {
  const limit = ctx.config.loginRateLimit
  return limit === null ? false : { max: limit.max, timeWindow: limit.windowMs }
}
