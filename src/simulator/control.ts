// The test-only control API (docs/simulator.md): what AIHubMix's user centre and operators would
// change, plus fault injection. Open to anyone who reaches the port, so the simulator must never
// be exposed beyond a test or demo machine.
import type { FastifyInstance } from 'fastify'
import { faultApplies } from './faults.js'
import { revokeGrant } from './grants.js'
import type { SimulatorState } from './state.js'
import { FAULT_ENDPOINTS, FAULT_MODES, type Fault, type SimClientInput, type SimSettings, type SimUser, type SimUserInput } from './types.js'

const str = { type: 'string' } as const
const int = { type: 'integer' } as const
const seconds = { type: 'integer', minimum: 0 } as const
const httpUrl = { type: 'string', pattern: '^https?://' } as const

const userBody = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'username', 'password', 'email', 'quota', 'used_quota'],
  properties: { id: int, username: str, password: str, email: str, quota: int, used_quota: int, status: int, created_time: int }
} as const

const userPatch = {
  type: 'object',
  additionalProperties: false,
  properties: { quota: int, used_quota: int, status: int, username: str, email: str }
} as const

const clientBody = {
  type: 'object',
  additionalProperties: false,
  required: ['client_id', 'client_secret', 'redirect_uri'],
  properties: { client_id: { type: 'string', minLength: 1 }, client_secret: { type: 'string', minLength: 1 }, redirect_uri: httpUrl, name: str, description: str }
} as const

const revokeBody = {
  type: 'object',
  additionalProperties: false,
  required: ['user_id'],
  properties: { user_id: int, client_id: str }
} as const

const settingsBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    access_token_ttl: seconds,
    refresh_token_ttl: seconds,
    code_ttl: seconds,
    rotate_refresh_tokens: { type: 'boolean' },
    wrap: { type: 'boolean' }
  }
} as const

const faultBody = {
  type: 'object',
  additionalProperties: false,
  required: ['endpoint', 'mode'],
  properties: {
    endpoint: { enum: [...FAULT_ENDPOINTS] },
    mode: { enum: [...FAULT_MODES] },
    status: { type: 'integer', minimum: 100, maximum: 599 },
    error: { type: 'string', pattern: '^[\\x20-\\x7e]+$' },
    latency_ms: { type: 'integer', minimum: 0 },
    times: { type: 'integer', minimum: 1 }
  }
} as const

function validRedirect (uri: string): boolean {
  try {
    return new URL(uri).protocol.startsWith('http')
  } catch {
    return false
  }
}

export function registerControl (app: FastifyInstance, sim: SimulatorState): void {
  app.register(async (control) => {
    control.post('/reset', async () => {
      sim.reset()
      return { ok: true }
    })

    control.post('/users', { schema: { body: userBody } }, async (request) => sim.putUser(request.body as SimUserInput))

    control.patch('/users/:id', { schema: { body: userPatch, params: { type: 'object', properties: { id: int } } } }, async (request, reply) => {
      const { id } = request.params as { id: number }
      const user = sim.patchUser(id, request.body as Partial<SimUser>)
      return user ?? reply.code(404).send({ error: 'unknown user' })
    })

    control.post('/clients', { schema: { body: clientBody } }, async (request, reply) => {
      const input = request.body as SimClientInput
      if (!validRedirect(input.redirect_uri)) return reply.code(400).send({ error: 'redirect_uri must be an http(s) URL' })
      return sim.putClient(input)
    })

    control.post('/revoke', { schema: { body: revokeBody } }, async (request) => {
      const { user_id: userId, client_id: clientId } = request.body as { user_id: number, client_id?: string }
      return { revoked: revokeGrant(sim, userId, clientId) }
    })

    control.get('/settings', async () => sim.settings)
    control.post('/settings', { schema: { body: settingsBody } }, async (request) => {
      Object.assign(sim.settings, request.body as Partial<SimSettings>)
      return sim.settings
    })

    control.get('/calls', async () => sim.calls)
    control.post('/calls/reset', async () => {
      sim.resetCalls()
      return sim.calls
    })

    control.get('/faults', async () => ({ faults: [...sim.faults.values()] }))
    control.post('/faults', { schema: { body: faultBody } }, async (request, reply) => {
      const fault = request.body as Fault
      if (!faultApplies(fault.endpoint, fault.mode)) {
        return reply.code(400).send({ error: `fault mode ${fault.mode} does not apply to ${fault.endpoint}` })
      }
      sim.setFault(fault)
      return { faults: [...sim.faults.values()] }
    })
    control.delete('/faults', async () => {
      sim.faults.clear()
      return { faults: [] }
    })

    control.get('/codes/last', async (_request, reply) => sim.lastCode ?? reply.code(404).send({ error: 'no code issued yet' }))
  }, { prefix: '/__control' })
}
