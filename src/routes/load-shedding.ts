// Issue 7 / SPEC §10: when the event loop lags (too much work for one process), new requests
// are refused at once with 503 + Retry-After instead of queueing behind the lag and timing
// out; the load balancer retries elsewhere. @fastify/under-pressure measures the lag.
import underPressure from '@fastify/under-pressure'
import type { FastifyInstance } from 'fastify'
import type { AppContext } from './context.js'
import { answerError } from './replies.js'

export interface LoadSheddingLimits {
  /** mean event-loop delay over a sample interval above which requests are refused */
  maxEventLoopDelayMs: number
  sampleIntervalMs: number
}

export const DEFAULT_LOAD_SHEDDING: LoadSheddingLimits = { maxEventLoopDelayMs: 1000, sampleIntervalMs: 1000 }
const RETRY_AFTER_SECONDS = 5

export async function registerLoadShedding (app: FastifyInstance, ctx: AppContext, limits: LoadSheddingLimits): Promise<void> {
  await app.register(underPressure, {
    maxEventLoopDelay: limits.maxEventLoopDelayMs,
    sampleInterval: limits.sampleIntervalMs,
    retryAfter: RETRY_AFTER_SECONDS,
    pressureHandler: (request, reply, type, value) => {
      // Liveness holds under load: a busy pod restarted by its liveness probe only adds load.
      // /readyz is refused like the rest, which takes the replica out of rotation meanwhile.
      if (request.url === '/healthz') return undefined
      request.log.warn({ event: 'overloaded', type, value }, 'request refused: event loop lagging')
      // Sent here; the plugin then calls next() and Fastify stops at the sent reply.
      answerError(request, reply, ctx, { kind: 'overloaded', retryAfterSeconds: RETRY_AFTER_SECONDS })
      return undefined
    }
  })
}
