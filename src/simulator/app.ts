// buildSimulator: the AIHubMix simulator (SPEC §9) as a Fastify instance that is not listening.
// It imports nothing from the proxy, so it cannot share the proxy's mistakes (STYLE §2).
import cookie from '@fastify/cookie'
import formbody from '@fastify/formbody'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { registerApiRoutes } from './api-routes.js'
import { registerControl } from './control.js'
import { registerOAuthRoutes } from './oauth-routes.js'
import { registerTokenRoute } from './token-route.js'
import { SimulatorState, type SimulatorStateOptions } from './state.js'

export interface SimulatorOptions extends SimulatorStateOptions {
  logger?: FastifyServerOptions['logger']
}

export type Simulator = FastifyInstance & { state: SimulatorState }

export async function buildSimulator (options: SimulatorOptions = {}): Promise<Simulator> {
  const { logger = false, ...stateOptions } = options
  const state = new SimulatorState(stateOptions)
  const app = Fastify({
    logger,
    // Faults keep responses open on purpose (hang, no-headers); close() must still finish.
    forceCloseConnections: true
  })
  const sim: Simulator = Object.assign(app, { state })
  // Also destroy held sockets ourselves, and cut short any injected latency, before the server
  // waits for its connections to end.
  app.addHook('preClose', async () => {
    state.closing.abort()
    state.destroyHeldSockets()
  })

  await app.register(cookie)
  await app.register(formbody)
  registerOAuthRoutes(app, state)
  registerTokenRoute(app, state)
  registerApiRoutes(app, state)
  registerControl(app, state)
  return sim
}

export { SimulatorState } from './state.js'
export type { LastCode, SimulatorStateOptions } from './state.js'
export type {
  CallCounts, CallName, Fault, FaultEndpoint, FaultMode, SimClient, SimClientInput, SimSettings,
  SimUser, SimUserInput, TokenResponse
} from './types.js'
