// SPEC §4: /healthz is liveness (the process answers); /readyz is readiness (the session store
// answers), so a Redis outage takes a replica out of rotation without restarting it.
import type { FastifyInstance } from 'fastify'
import type { AppContext } from './context.js'

export async function healthRoutes (app: FastifyInstance, ctx: AppContext): Promise<void> {
  const config = { routeKind: 'health' as const }
  app.get('/healthz', { config }, async (_request, reply) => reply.header('cache-control', 'no-store').send({ status: 'ok' }))
  app.get('/readyz', { config }, async (request, reply) => {
    try {
      await ctx.store.ping()
      return await reply.header('cache-control', 'no-store').send({ status: 'ok' })
    } catch (err) {
      request.log.warn({ err }, 'not ready: session store unavailable')
      return reply.code(503).header('cache-control', 'no-store').send({ status: 'unavailable', reason: 'session_store' })
    }
  })
}
