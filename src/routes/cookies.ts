// The proxy's two cookies (SPEC §7): the session cookie holds only a sealed ticket; each
// login-state cookie holds one login's state, PKCE verifier and validated `rd`, sealed, for
// 10 minutes. Both are sealed by @fastify/secure-session with keys derived from cookieSecret.
import { createHash } from 'node:crypto'
import fastifyCookie, { type CookieSerializeOptions } from '@fastify/cookie'
import fastifySecureSession from '@fastify/secure-session'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Config } from '../config/index.js'
import { deriveCookieKeys } from '../session/cookie-keys.js'
import { parseTicket, type Ticket } from '../session/ticket.js'

declare module '@fastify/secure-session' {
  interface SessionData {
    t: Ticket
    // the login-state cookie's content; short names keep the cookie small
    s: string
    v: string
    rd: string
  }
}

// SPEC §4: a login-state cookie lives 10 min, as AIHubMix's authorization codes do.
export const LOGIN_STATE_MAX_AGE_S = 600
const LOGIN_STATE_SESSION = 'loginState'
// A browser keeps at most this many logins in flight; older ones are dropped at the next start.
const MAX_PENDING_LOGINS = 5

export interface CookieSettings {
  sessionCookie: CookieSerializeOptions
  stateCookie: CookieSerializeOptions
  stateCookiePrefix: string
}

export function cookieSettings (config: Config): CookieSettings {
  const base = config.cookieName.replace(/^__(Host|Secure)-/, '')
  return {
    sessionCookie: {
      path: '/',
      httpOnly: true,
      secure: config.cookieSecure,
      sameSite: config.cookieSameSite,
      ...(config.cookieDomain === undefined ? {} : { domain: config.cookieDomain }),
      maxAge: Math.floor(config.sessionMaxAge / 1000)
    },
    // Always Lax: it must come back on AIHubMix's cross-site redirect to the callback.
    stateCookie: {
      path: '/',
      httpOnly: true,
      secure: config.cookieSecure,
      sameSite: 'lax',
      maxAge: LOGIN_STATE_MAX_AGE_S
    },
    stateCookiePrefix: `${config.cookieSecure ? '__Host-' : ''}${base}_st_`
  }
}

export async function registerCookies (app: FastifyInstance, config: Config, settings: CookieSettings): Promise<void> {
  const keys = deriveCookieKeys(config.cookieSecret)
  await app.register(fastifyCookie)
  await app.register(fastifySecureSession, [
    {
      sessionName: 'session',
      cookieName: config.cookieName,
      key: keys.session,
      expiry: Math.floor(config.sessionMaxAge / 1000),
      cookie: settings.sessionCookie
    },
    {
      // Encoded and decoded by hand below: each login has its own cookie name.
      sessionName: LOGIN_STATE_SESSION,
      cookieName: `${settings.stateCookiePrefix}unused`,
      key: keys.loginState,
      expiry: LOGIN_STATE_MAX_AGE_S,
      cookie: settings.stateCookie
    }
  ])
}

export function readTicket (request: FastifyRequest): Ticket | undefined {
  return parseTicket(request.session.get('t'))
}

export function writeTicket (request: FastifyRequest, ticket: Ticket): void {
  request.session.regenerate()
  request.session.set('t', ticket)
}

export function clearTicket (request: FastifyRequest): void {
  request.session.delete()
}

export interface LoginState {
  state: string
  verifier: string | undefined
  rd: string
}

export function stateCookieName (prefix: string, state: string): string {
  return prefix + createHash('sha256').update(state).digest('base64url').slice(0, 16)
}

export function setLoginState (
  app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, settings: CookieSettings, login: LoginState
): void {
  const pending = Object.keys(request.cookies).filter((name) => name.startsWith(settings.stateCookiePrefix))
  for (const name of pending.slice(0, Math.max(0, pending.length - MAX_PENDING_LOGINS + 1))) {
    reply.clearCookie(name, settings.stateCookie)
  }
  const sealed = app.createSecureSession({ s: login.state, rd: login.rd, ...(login.verifier === undefined ? {} : { v: login.verifier }) })
  reply.setCookie(stateCookieName(settings.stateCookiePrefix, login.state),
    app.encodeSecureSession(sealed, LOGIN_STATE_SESSION), settings.stateCookie)
}

// undefined when the cookie is missing, not ours, expired (secure-session's own __ts check) or
// names another state.
export function readLoginState (
  app: FastifyInstance, request: FastifyRequest, settings: CookieSettings, state: string
): LoginState | undefined {
  const raw = request.cookies[stateCookieName(settings.stateCookiePrefix, state)]
  if (raw === undefined) return undefined
  const sealed = app.decodeSecureSession(raw, request.log, LOGIN_STATE_SESSION)
  if (sealed === null) return undefined
  const s = sealed.get('s')
  const rd = sealed.get('rd')
  const v = sealed.get('v')
  if (typeof s !== 'string' || s !== state || typeof rd !== 'string') return undefined
  return { state: s, rd, verifier: typeof v === 'string' ? v : undefined }
}

export function clearLoginState (reply: FastifyReply, settings: CookieSettings, state: string): void {
  reply.clearCookie(stateCookieName(settings.stateCookiePrefix, state), settings.stateCookie)
}
