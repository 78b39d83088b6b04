// Runs one proxy process: store, app, listen, TLS reload, and a graceful stop when the command's
// signal fires (SPEC §10: stop accepting, drain in-flight requests, close Redis).
import type { Server as HttpsServer } from 'node:https'
import type { FastifyInstance } from 'fastify'
import { buildApp, type AppDeps } from '../app.js'
import type { Config } from '../config/index.js'
import { formatHostPort, type HostPort } from '../config/parse.js'
import { ListenFailed } from '../errors.js'
import { createLogger } from '../observability/logger.js'
import { startMetricsServer, type RunningMetricsServer } from '../observability/metrics-server.js'
import { createMetrics } from '../observability/metrics.js'
import { closeGracefully, SHUTDOWN_DRAIN_MS } from '../server/shutdown.js'
import { startTlsReload, type TlsReload } from '../server/tls-reload.js'
import { createStoreFromConfig } from '../session/create-store.js'
import type { CommandContext } from './command.js'

export interface RunningProxy {
  app: FastifyInstance
  url: string
  // GET /metrics on metricsListen; undefined when metricsListen is empty
  metricsUrl: string | undefined
  // Graceful: resolves once in-flight requests are done (or cut at the drain bound) and the
  // store is closed. `reason` (the signal name) goes on the shutdown log line.
  close: (reason?: string) => Promise<void>
}

export interface ProxyOptions {
  // default SHUTDOWN_DRAIN_MS
  drainMs?: number
}

export async function startProxy (
  config: Config, ctx: Pick<CommandContext, 'stdout'>, deps: Partial<AppDeps> = {}, options: ProxyOptions = {}
): Promise<RunningProxy> {
  const logger = deps.logger ?? createLogger(config, ctx.stdout)
  // Process metrics once per process, here rather than in buildApp (tests build many apps).
  const metrics = deps.metrics ?? createMetrics()
  const store = deps.store ?? createStoreFromConfig(config, {
    now: Date.now,
    onError: (err) => {
      metrics.sessionStoreError('connection')
      logger.warn({ err }, 'session store connection error')
    }
  })
  if (store.kind === 'memory') {
    logger.warn('sessionStore=memory keeps sessions in this process only: not for several replicas')
  }
  let app: FastifyInstance
  try {
    app = await buildApp(config, { ...deps, store, logger, metrics })
  } catch (err) {
    // a Redis client left reconnecting would keep the failed process alive
    await store.close()
    throw err
  }
  app.addHook('onClose', async () => { await store.close() })
  let url: string
  let tlsReload: TlsReload | undefined
  let metricsServer: RunningMetricsServer | undefined
  try {
    url = await listenOn('listen', config.listen, () => app.listen({ host: config.listen.host, port: config.listen.port }))
    const metricsListen = config.metricsListen
    if (metricsListen !== null) {
      metricsServer = await listenOn('metricsListen', metricsListen, () => startMetricsServer({ metrics, listen: metricsListen, logger }))
    }
    if (config.tlsCertFile !== undefined && config.tlsKeyFile !== undefined) {
      // app.ts served HTTPS from these files, so the server is an https.Server
      tlsReload = startTlsReload({ server: app.server as HttpsServer, certFile: config.tlsCertFile, keyFile: config.tlsKeyFile, log: app.log })
    }
  } catch (err) {
    tlsReload?.close()
    await app.close()
    throw err
  }
  const drainMs = options.drainMs ?? SHUTDOWN_DRAIN_MS
  return {
    app,
    url,
    metricsUrl: metricsServer?.url,
    close: async (reason) => {
      tlsReload?.close()
      await closeGracefully(app, { drainMs, reason })
      // Last, so the drain itself can still be scraped.
      await metricsServer?.close()
    }
  }
}

// What an operator can act on, for the errors a bind fails with; the code is kept either way.
const LISTEN_ERRORS: Record<string, string> = {
  EADDRINUSE: 'the address is already in use',
  EACCES: 'permission denied (ports below 1024 need privileges)',
  EADDRNOTAVAIL: 'this machine has no such address',
  ENOTFOUND: 'the host name does not resolve'
}

/**
 * Runs a server's listen and turns a failure into ListenFailed, whose message is one plain line
 * naming the option and the address (SPEC §3: no stack trace for what an operator can fix).
 */
export async function listenOn<T> (option: string, address: HostPort, listen: () => Promise<T>): Promise<T> {
  try {
    return await listen()
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error'
    const what = LISTEN_ERRORS[code] ?? 'cannot listen'
    throw new ListenFailed(option, formatHostPort(address), `${what} (${code}); expected a free address and port`, { cause: err })
  }
}

export function waitForAbort (signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve()
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))
}
