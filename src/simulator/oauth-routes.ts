// The browser side of AIHubMix's OAuth2: authorize, its login page and its consent page (SPEC §2).
import type { FastifyInstance, FastifyReply } from 'fastify'
import { buildRedirect, checkAuthorize, type AuthorizeParams } from './authorize-params.js'
import { applyFault } from './faults.js'
import { issueCode } from './grants.js'
import { consentPage, errorPage, loginPage, sendPage } from './pages.js'
import type { SimulatorState } from './state.js'
import type { SimUser } from './types.js'

// Its own name, so it never collides with the proxy's cookie: browsers do not separate
// cookies by port, and the demo runs both on localhost.
export const LOGIN_COOKIE = 'aihubmix_sim_session'
const AUTHORIZE_PATH = '/api/oauth2/authorize'

function redirectBack (sim: SimulatorState, reply: FastifyReply, redirectUri: string, params: Record<string, string | undefined>): FastifyReply {
  let query = params
  if (sim.takeFault('authorize', (mode) => mode === 'wrong-state') !== undefined) {
    query = { ...params, state: sim.randomToken() }
  }
  return reply.header('cache-control', 'no-store').redirect(buildRedirect(redirectUri, query), 302)
}

function grantCode (sim: SimulatorState, reply: FastifyReply, p: AuthorizeParams, user: SimUser): FastifyReply {
  const code = issueCode(sim, {
    client_id: p.client.client_id,
    redirect_uri: p.redirect_uri,
    user_id: user.id,
    scope: p.scope,
    code_challenge: p.code_challenge,
    state: p.state
  })
  return redirectBack(sim, reply, p.redirect_uri, { code, state: p.state })
}

// Where the login form resumes: only our own authorize endpoint, so /login is no open redirector;
// printable ASCII only, as the authorize URL we put in the form always is (a Location header
// cannot carry anything else).
function isAuthorizeContinue (value: unknown): value is string {
  return typeof value === 'string' && /^[\x21-\x7e]*$/.test(value) &&
    (value === AUTHORIZE_PATH || value.startsWith(AUTHORIZE_PATH + '?'))
}

function authorizeUrlOf (fields: Record<string, string>): string {
  return `${AUTHORIZE_PATH}?${new URLSearchParams(fields).toString()}`
}

export function registerOAuthRoutes (app: FastifyInstance, sim: SimulatorState): void {
  app.get(AUTHORIZE_PATH, async (request, reply) => {
    sim.countCall('authorize')
    if (await applyFault(sim, 'authorize', request, reply)) return reply
    const check = checkAuthorize(sim, request.query as Record<string, unknown>)
    if (check.kind === 'page') return sendPage(reply, 400, errorPage(check.message))
    if (check.kind === 'redirect') {
      return redirectBack(sim, reply, check.redirect_uri, { error: check.error, error_description: check.description, state: check.state })
    }
    const user = sim.userForSession(request.cookies[LOGIN_COOKIE])
    if (user === undefined) return sendPage(reply, 200, loginPage(request.url))
    if (check.params.auto_authorize) return grantCode(sim, reply, check.params, user)
    return sendPage(reply, 200, consentPage(check.params.client.name, user.username, check.params.fields))
  })

  app.post('/login', async (request, reply) => {
    sim.countCall('login')
    const body = (request.body ?? {}) as Record<string, unknown>
    const next = body.continue
    if (!isAuthorizeContinue(next)) return sendPage(reply, 400, errorPage('continue must be an /api/oauth2/authorize URL'))
    const { username, password } = body
    const user = typeof username === 'string' && typeof password === 'string'
      ? sim.findUserByLogin(username, password)
      : undefined
    if (user === undefined) return sendPage(reply, 401, loginPage(next, 'Wrong username or password'))
    // SameSite=Lax keeps the cookie off cross-site POSTs to the consent form (CSRF).
    reply.setCookie(LOGIN_COOKIE, sim.createLoginSession(user.id), { httpOnly: true, sameSite: 'lax', path: '/' })
    return reply.header('cache-control', 'no-store').redirect(next, 302)
  })

  app.post('/api/oauth2/consent', async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>
    const check = checkAuthorize(sim, body)
    if (check.kind === 'page') return sendPage(reply, 400, errorPage(check.message))
    if (check.kind === 'redirect') {
      return redirectBack(sim, reply, check.redirect_uri, { error: check.error, error_description: check.description, state: check.state })
    }
    const p = check.params
    const user = sim.userForSession(request.cookies[LOGIN_COOKIE])
    if (user === undefined) return sendPage(reply, 401, loginPage(authorizeUrlOf(p.fields), 'Please sign in again'))
    if (body.decision === 'allow') return grantCode(sim, reply, p, user)
    if (body.decision === 'deny') {
      return redirectBack(sim, reply, p.redirect_uri, { error: 'access_denied', error_description: 'the user denied the request', state: p.state })
    }
    return redirectBack(sim, reply, p.redirect_uri, { error: 'invalid_request', error_description: 'decision must be allow or deny', state: p.state })
  })
}
