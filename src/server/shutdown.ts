// The graceful stop of one proxy (SPEC §10): stop accepting, drain in-flight requests within a
// bound, then run the app's onClose hooks (session store, provider pool).
import type { FastifyInstance } from 'fastify'

// Long enough for an ordinary request (upstreamTimeout aside) to finish, short enough to fit
// Kubernetes' default 30 s terminationGracePeriodSeconds with room to spare. SSE and other
// open-ended responses never finish by themselves: at the bound they are cut.
export const SHUTDOWN_DRAIN_MS = 10_000

// What the process allows the whole stop (drain, then closing Redis and the provider pool)
// before it gives up and exits non-zero; close-with-grace enforces it in src/cli.ts.
export const SHUTDOWN_HARD_LIMIT_MS = SHUTDOWN_DRAIN_MS + 5_000

// Node closes idle keep-alive connections once, when close() starts. A connection whose response
// finishes after that would then sit idle until the client's keep-alive timeout (72 s for
// Fastify's own hint) and hold the stop open, so idle ones are swept this often until it ends.
const IDLE_SWEEP_MS = 100

export async function closeGracefully (app: FastifyInstance, options: { drainMs: number, reason?: string }): Promise<void> {
  app.log.info({ event: 'shutdown', reason: options.reason, drainMs: options.drainMs },
    'shutting down: refusing new connections, draining in-flight requests')
  // Fastify's close() closes the listening socket and idle keep-alive connections at once
  // (forceCloseConnections: 'idle'), then waits for every open response before its onClose
  // hooks run; this timer is what keeps an SSE stream from holding that wait open forever.
  const drain = setTimeout(() => {
    app.log.warn({ event: 'shutdown_drain_timeout', drainMs: options.drainMs },
      'drain bound reached: closing the connections still open')
    app.server.closeAllConnections()
  }, options.drainMs)
  const sweep = setInterval(() => app.server.closeIdleConnections(), IDLE_SWEEP_MS)
  try {
    await app.close()
  } finally {
    clearTimeout(drain)
    clearInterval(sweep)
  }
  app.log.info({ event: 'shutdown_complete' }, 'shut down')
}
