// Injected failures (SPEC §9): what a slow, broken or hostile AIHubMix could send, so the proxy
// can be shown to fail safely. Set through POST /__control/faults.
import { setTimeout as delay } from 'node:timers/promises'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { SimulatorState } from './state.js'
import type { Fault, FaultEndpoint, FaultMode } from './types.js'

// Several megabytes: larger than any sane cap a client puts on a provider response.
const OVERSIZED_BYTES = 6 * 1024 * 1024

// Which modes make sense where; the control API refuses the rest.
export function faultApplies (endpoint: FaultEndpoint, mode: FaultMode): boolean {
  if (mode === 'wrong-state') return endpoint === 'authorize'
  if (mode === 'wrong-types' || mode === 'malformed' || mode === 'oversized') return endpoint !== 'authorize'
  return true
}

// A body of the expected shape whose fields have the wrong JSON types.
function wrongTypesBody (endpoint: FaultEndpoint): unknown {
  switch (endpoint) {
    case 'token':
      return { access_token: 12345, token_type: ['Bearer'], expires_in: '7200', refresh_token: { value: 'r' }, scope: 7 }
    case 'userinfo':
      return { id: '1001', username: 42, email: false, quota: '10000000', used_quota: null, balance_formatted: 15, created_time: '1640995200', status: '1' }
    case 'topup':
      return { topup_url: 42 }
    default:
      return { success: 'true', message: 1, data: [] }
  }
}

function oversizedBody (endpoint: FaultEndpoint): Buffer {
  const filler = 'x'.repeat(OVERSIZED_BYTES)
  const shapes: Record<FaultEndpoint, object> = {
    authorize: {},
    token: { access_token: filler, token_type: 'Bearer', expires_in: 7200, refresh_token: 'r', scope: 'profile balance' },
    userinfo: { id: 1001, username: filler, email: 'a@example.com', quota: 1, used_quota: 0, balance_formatted: '0.00', created_time: 1, status: 1 },
    topup: { topup_url: `https://example.com/topup?${filler}` },
    apps: { success: true, message: filler, data: {} }
  }
  return Buffer.from(JSON.stringify(shapes[endpoint]))
}

function statusBody (status: number, error: string | undefined): object {
  return {
    error: error ?? (status >= 500 ? 'server_error' : 'invalid_request'),
    error_description: `injected fault: status ${status}`
  }
}

// Answers the request the way `fault` says. Returns true when the reply is taken care of,
// false when the handler should go on (latency).
async function runFault (sim: SimulatorState, fault: Fault, endpoint: FaultEndpoint, request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
  const socket = request.raw.socket
  switch (fault.mode) {
    case 'latency':
      try {
        await delay(fault.latency_ms ?? 1000, undefined, { signal: sim.closing.signal })
        return false
      } catch {
        // the app is closing: drop the call rather than answer after close
        reply.hijack()
        socket.destroy()
        return true
      }
    case 'status': {
      const status = fault.status ?? 500
      reply.code(status).header('cache-control', 'no-store').send(statusBody(status, fault.error))
      return true
    }
    case 'reset':
      reply.hijack()
      socket.destroy()
      return true
    case 'malformed':
      reply.code(200).type('application/json').send(Buffer.from('{"access_token": "abc", "token_type": "Bearer", "expires_in": 72'))
      return true
    case 'oversized':
      reply.code(200).type('application/json').send(oversizedBody(endpoint))
      return true
    case 'html':
      reply.code(200).type('text/html; charset=utf-8').send('<!doctype html><html><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>')
      return true
    case 'hang':
      reply.hijack()
      sim.holdSocket(socket)
      reply.raw.writeHead(200, { 'content-type': 'application/json' })
      reply.raw.write('{"access_token": "')
      return true
    case 'no-headers':
      reply.hijack()
      sim.holdSocket(socket)
      return true
    case 'wrong-types':
      reply.code(200).header('cache-control', 'no-store').send(wrongTypesBody(endpoint))
      return true
    case 'wrong-state':
      return false
  }
}

// Called at the top of each faultable handler, after the call is counted.
export async function applyFault (sim: SimulatorState, endpoint: FaultEndpoint, request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
  // wrong-state is applied where the authorize redirect is built, not here.
  const fault = sim.takeFault(endpoint, (mode) => mode !== 'wrong-state')
  if (fault === undefined) return false
  return await runFault(sim, fault, endpoint, request, reply)
}
