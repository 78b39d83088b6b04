// AIHubMix's resource endpoints: userinfo, topup and app registration (SPEC §2).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { applyFault } from './faults.js'
import { findAccessToken, type BearerGrant } from './grants.js'
import { sendPage, topupPage } from './pages.js'
import type { SimulatorState } from './state.js'
import type { SimUser } from './types.js'

// AIHubMix counts quota in units of 1/500000 of a currency unit.
const QUOTA_PER_UNIT = 500000

function bearerToken (request: FastifyRequest): string | undefined {
  const header = request.headers.authorization
  const m = header === undefined ? null : /^Bearer ([^\s]+)$/i.exec(header)
  return m?.[1]
}

// RFC 6750 §3.1
function authenticate (sim: SimulatorState, request: FastifyRequest, reply: FastifyReply): BearerGrant | undefined {
  const token = bearerToken(request)
  const grant = token === undefined ? undefined : findAccessToken(sim, token)
  if (grant === undefined) {
    reply.code(401)
      .header('www-authenticate', 'Bearer error="invalid_token"')
      .header('cache-control', 'no-store')
      .send({ error: 'invalid_token', error_description: 'the access token is missing, unknown, expired or revoked' })
  }
  return grant
}

function userinfoFor (user: SimUser, scope: string): Record<string, unknown> {
  const scopes = new Set(scope.split(' '))
  const out: Record<string, unknown> = { id: user.id }
  if (scopes.has('profile')) {
    out.username = user.username
    out.email = user.email
  }
  if (scopes.has('balance')) {
    out.quota = user.quota
    out.used_quota = user.used_quota
    out.balance_formatted = ((user.quota - user.used_quota) / QUOTA_PER_UNIT).toFixed(2)
  }
  out.created_time = user.created_time
  out.status = user.status
  return out
}

function sendData (sim: SimulatorState, reply: FastifyReply, data: object): FastifyReply {
  reply.header('cache-control', 'no-store')
  return reply.send(sim.settings.wrap ? { success: true, data } : data)
}

function appsError (reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).send({ success: false, message })
}

function isHttpUrl (value: unknown): value is string {
  if (typeof value !== 'string') return false
  try {
    const u = new URL(value)
    return u.protocol === 'http:' || u.protocol === 'https:'
  } catch {
    return false
  }
}

async function registerApp (sim: SimulatorState, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const token = bearerToken(request)
  if (token === undefined || !sim.isDeveloperToken(token)) return appsError(reply, 401, 'invalid developer token')
  const body = request.body
  const type = request.headers['content-type'] ?? ''
  if (!/^application\/json\s*(;|$)/i.test(type)) return appsError(reply, 400, 'the body must be application/json')
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return appsError(reply, 400, 'the body must be a JSON object')
  const { name, description, redirect_uri: redirectUri } = body as Record<string, unknown>
  if (typeof name !== 'string' || name.trim() === '') return appsError(reply, 400, 'name is required')
  if (description !== undefined && typeof description !== 'string') return appsError(reply, 400, 'description must be a string')
  if (!isHttpUrl(redirectUri)) return appsError(reply, 400, 'redirect_uri must be an http(s) URL')
  const client = sim.putClient({
    name,
    description: description ?? '',
    redirect_uri: redirectUri,
    client_id: sim.randomToken('client_'),
    client_secret: sim.randomToken('secret_')
  })
  const { id, client_id: clientId, client_secret: clientSecret, created_time: createdTime } = client
  return reply.send({
    success: true,
    message: '应用创建成功',
    data: { id, name, client_id: clientId, client_secret: clientSecret, redirect_uri: redirectUri, created_time: createdTime }
  })
}

export function registerApiRoutes (app: FastifyInstance, sim: SimulatorState): void {
  app.get('/api/oauth2/userinfo', async (request, reply) => {
    sim.countCall('userinfo')
    if (await applyFault(sim, 'userinfo', request, reply)) return reply
    const grant = authenticate(sim, request, reply)
    if (grant === undefined) return reply
    return sendData(sim, reply, userinfoFor(grant.user, grant.token.scope))
  })

  app.get('/api/oauth2/topup', async (request, reply) => {
    sim.countCall('topup')
    if (await applyFault(sim, 'topup', request, reply)) return reply
    if (authenticate(sim, request, reply) === undefined) return reply
    return sendData(sim, reply, { topup_url: `${request.protocol}://${request.host}/topup` })
  })

  app.get('/topup', async (_request, reply) => sendPage(reply, 200, topupPage()))

  app.register(async (scope) => {
    // Parser failures (bad JSON, wrong media type) answer in the endpoint's own {success:false} shape.
    scope.setErrorHandler(async (err: { statusCode?: number, message: string }, _request, reply) => {
      const status = err.statusCode ?? 500
      return appsError(reply, status >= 500 ? 500 : 400, status >= 500 ? 'internal error' : err.message)
    })
    scope.post('/api/oauth_apps', async (request, reply) => {
      sim.countCall('apps')
      if (await applyFault(sim, 'apps', request, reply)) return reply
      return await registerApp(sim, request, reply)
    })
  })
}
