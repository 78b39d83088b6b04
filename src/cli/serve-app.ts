// Runs one proxy process: store, app, listen, and a graceful stop when the command's signal
// fires (SPEC §10: stop accepting, drain in-flight requests, close Redis).
import type { FastifyInstance } from 'fastify'
import { buildApp, type AppDeps } from '../app.js'
import type { Config } from '../config/index.js'
import { createLogger } from '../observability/logger.js'
import { createStoreFromConfig } from '../session/create-store.js'
import type { CommandContext } from './command.js'

export interface RunningProxy {
  app: FastifyInstance
  url: string
  close: () => Promise<void>
}

export async function startProxy (config: Config, ctx: Pick<CommandContext, 'stdout'>, deps: Partial<AppDeps> = {}): Promise<RunningProxy> {
  const logger = deps.logger ?? createLogger(config, ctx.stdout)
  const store = deps.store ?? createStoreFromConfig(config, {
    now: Date.now,
    onError: (err) => logger.warn({ err }, 'session store connection error')
  })
  if (store.kind === 'memory') {
    logger.warn('sessionStore=memory keeps sessions in this process only: not for several replicas')
  }
  const app = await buildApp(config, { ...deps, store, logger })
  app.addHook('onClose', async () => { await store.close() })
  const url = await app.listen({ host: config.listen.host, port: config.listen.port })
  return { app, url, close: () => app.close() }
}

export function waitForAbort (signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve()
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))
}
