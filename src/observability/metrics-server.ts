// GET /metrics on metricsListen (SPEC §3, §4): its own small Fastify instance, never the proxy's,
// so the metrics are not reachable through the public port and the proxy's hooks (header
// stripping, the session gate, the upstream) never see a scrape. It serves nothing else.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyReply, type FastifyRequest } from 'fastify'
import type { Logger } from 'pino'
import type { Metrics } from './metrics.js'

export interface MetricsServerOptions {
  metrics: Pick<Metrics, 'registry'>
  listen: { host: string, port: number }
  logger: Logger
}

export interface RunningMetricsServer {
  /** where GET /metrics answers, e.g. http://127.0.0.1:9180/metrics */
  url: string
  close: () => Promise<void>
}

// A scrape every few seconds would drown the log: only failed scrapes are written.
class ScrapeLogController extends LogController {
  override incomingRequest (): void {}

  override requestCompleted (error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error !== null && error !== undefined) super.requestCompleted(error, request, reply)
  }
}

export async function startMetricsServer (options: MetricsServerOptions): Promise<RunningMetricsServer> {
  const { registry } = options.metrics
  const server = Fastify({
    loggerInstance: options.logger.child({ component: 'metrics' }) as FastifyBaseLogger,
    logController: new ScrapeLogController(),
    // A scraper's keep-alive connection must not hold up shutdown.
    forceCloseConnections: true
  })
  server.get('/metrics', async (_request, reply) => {
    const body = await registry.metrics()
    return reply.type(registry.contentType).header('cache-control', 'no-store').send(body)
  })
  const address = await server.listen({ host: options.listen.host, port: options.listen.port })
  return { url: `${address}/metrics`, close: () => server.close() }
}
