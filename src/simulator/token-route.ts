// POST /api/oauth2/token (SPEC §2; RFC 6749 §3.2, §4.1.3, §5, §6).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { applyFault } from './faults.js'
import { exchangeCode, refreshGrant } from './grants.js'
import { safeEqual, type SimulatorState } from './state.js'
import type { SimClient } from './types.js'

const FORM = 'application/x-www-form-urlencoded'

function sendOAuthError (reply: FastifyReply, status: number, error: string, description: string): FastifyReply {
  // RFC 6749 §5.1/§5.2: token responses must not be cached.
  return reply.code(status)
    .header('cache-control', 'no-store')
    .header('pragma', 'no-cache')
    .send({ error, error_description: description })
}

type ClientAuth =
  | { ok: true, client: SimClient }
  | { ok: false, status: 400 | 401, error: string, description: string, basic: boolean }

function decodeBasic (header: string): { id: string, secret: string } | undefined {
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0) return undefined
  try {
    // RFC 6749 §2.3.1: both halves are form-urlencoded before base64.
    return { id: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) }
  } catch {
    return undefined
  }
}

function authenticateClient (sim: SimulatorState, authorization: string | undefined, params: Record<string, string>): ClientAuth {
  const basic = authorization !== undefined && /^basic /i.test(authorization)
  let id = params.client_id
  let secret = params.client_secret
  if (basic) {
    // RFC 6749 §2.3: a client MUST NOT use more than one authentication method.
    if (secret !== undefined) return { ok: false, status: 400, error: 'invalid_request', description: 'client authenticated twice', basic }
    const creds = decodeBasic(authorization)
    if (creds === undefined) return { ok: false, status: 401, error: 'invalid_client', description: 'malformed Basic credentials', basic }
    if (id !== undefined && id !== creds.id) return { ok: false, status: 400, error: 'invalid_request', description: 'client_id differs from the Basic credentials', basic }
    id = creds.id
    secret = creds.secret
  }
  const client = id === undefined ? undefined : sim.clients.get(id)
  if (client === undefined || secret === undefined || !safeEqual(client.client_secret, secret)) {
    return { ok: false, status: 401, error: 'invalid_client', description: 'client authentication failed', basic }
  }
  return { ok: true, client }
}

// The form's parameters, each given once (RFC 6749 §3.2), or undefined.
function singleParams (body: unknown): Record<string, string> | undefined {
  if (typeof body !== 'object' || body === null) return {}
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(body)) {
    if (typeof v !== 'string') return undefined
    out[k] = v
  }
  return out
}

function isForm (request: FastifyRequest): boolean {
  const type = request.headers['content-type'] ?? ''
  return type.split(';')[0]?.trim().toLowerCase() === FORM
}

async function handleToken (sim: SimulatorState, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const params = isForm(request) ? singleParams(request.body) : undefined
  const grantType = params?.grant_type
  if (grantType === 'authorization_code') sim.countCall('token_authorization_code')
  if (grantType === 'refresh_token') sim.countCall('token_refresh_token')
  if (await applyFault(sim, 'token', request, reply)) return reply

  if (!isForm(request)) return sendOAuthError(reply, 400, 'invalid_request', `the body must be ${FORM}`)
  if (params === undefined) return sendOAuthError(reply, 400, 'invalid_request', 'a parameter is repeated')
  if (grantType === undefined || grantType === '') return sendOAuthError(reply, 400, 'invalid_request', 'grant_type is required')

  const auth = authenticateClient(sim, request.headers.authorization, params)
  if (!auth.ok) {
    // RFC 6749 §5.2: a client that tried the Authorization header gets a challenge back.
    if (auth.basic && auth.status === 401) reply.header('www-authenticate', 'Basic realm="aihubmix"')
    return sendOAuthError(reply, auth.status, auth.error, auth.description)
  }

  let result
  if (grantType === 'authorization_code') {
    result = exchangeCode(sim, auth.client, { code: params.code, redirect_uri: params.redirect_uri, code_verifier: params.code_verifier })
  } else if (grantType === 'refresh_token') {
    result = refreshGrant(sim, auth.client, { refresh_token: params.refresh_token, scope: params.scope })
  } else {
    return sendOAuthError(reply, 400, 'unsupported_grant_type', 'grant_type must be authorization_code or refresh_token')
  }
  if (!result.ok) return sendOAuthError(reply, 400, result.error.error, result.error.error_description)
  return reply.code(200).header('cache-control', 'no-store').header('pragma', 'no-cache').send(result.body)
}

export function registerTokenRoute (app: FastifyInstance, sim: SimulatorState): void {
  app.register(async (scope) => {
    // Body-parser failures (unsupported media type, bad encoding, too large) still answer in
    // RFC 6749 §5.2 form, as a real token endpoint would.
    scope.setErrorHandler(async (err: { statusCode?: number, message: string }, _request, reply) => {
      const status = err.statusCode ?? 500
      if (status >= 500) return sendOAuthError(reply, 500, 'server_error', 'internal error')
      return sendOAuthError(reply, 400, 'invalid_request', err.message)
    })
    scope.post('/api/oauth2/token', async (request, reply) => await handleToken(sim, request, reply))
  })
}
