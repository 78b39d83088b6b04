// Drives the simulator over real sockets the way a browser and an OAuth client would.
import { createHash, randomBytes } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { Agent, request, type Dispatcher } from 'undici'
import { buildSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/app.js'

export const DEMO = {
  client_id: 'demo-client',
  client_secret: 'demo-secret',
  redirect_uri: 'http://localhost:4180/oauth2/callback'
} as const

export interface Teardown { teardown: (fn: () => unknown) => void }

export interface Reply {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
  json: <T = any>() => T
  location: string | undefined
}

export interface RequestOptions {
  method?: Dispatcher.HttpMethod
  headers?: Record<string, string>
  body?: string
  headersTimeout?: number
  bodyTimeout?: number
}

export interface Pkce { verifier: string, challenge: string }

export function pkcePair (): Pkce {
  const verifier = randomBytes(32).toString('base64url')
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') }
}

export class SimHarness {
  constructor (readonly sim: Simulator, readonly base: string, readonly agent: Agent) {}

  async call (path: string, opts: RequestOptions = {}): Promise<Reply> {
    const res = await request(this.base + path, {
      method: opts.method ?? 'GET',
      headers: opts.headers,
      body: opts.body,
      dispatcher: this.agent,
      headersTimeout: opts.headersTimeout,
      bodyTimeout: opts.bodyTimeout
    })
    const text = await res.body.text()
    const location = res.headers.location
    return {
      status: res.statusCode,
      headers: res.headers,
      text,
      json: () => JSON.parse(text),
      location: typeof location === 'string' ? location : undefined
    }
  }

  async postForm (path: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Reply> {
    return await this.call(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form).toString()
    })
  }

  async postJson (path: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
    return await this.call(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
  }

  async control (method: Dispatcher.HttpMethod, path: string, body?: unknown): Promise<Reply> {
    const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' }
    return await this.call('/__control' + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  }

  authorizePath (params: Record<string, string | undefined> = {}): string {
    const q = new URLSearchParams()
    const all = { client_id: DEMO.client_id, redirect_uri: DEMO.redirect_uri, response_type: 'code', scope: 'profile balance', state: 'st-' + randomBytes(6).toString('hex'), auto_authorize: 'true', ...params }
    for (const [k, v] of Object.entries(all)) if (v !== undefined) q.set(k, v)
    return `/api/oauth2/authorize?${q.toString()}`
  }

  // Signs in through the login form and returns the simulator's login cookie.
  async login (username = 'alice', password = 'alice-password'): Promise<string> {
    const res = await this.postForm('/login', { username, password, continue: this.authorizePath() })
    if (res.status !== 302) throw new Error(`login failed: ${res.status}`)
    return cookieOf(res)
  }

  // A signed-in authorize with auto_authorize: the code and state from the redirect.
  async authorizeCode (cookie: string, params: Record<string, string | undefined> = {}): Promise<{ code: string, state: string, location: URL }> {
    const res = await this.call(this.authorizePath(params), { headers: { cookie } })
    if (res.location === undefined) throw new Error(`no redirect: ${res.status} ${res.text}`)
    const location = new URL(res.location)
    return { code: location.searchParams.get('code') ?? '', state: location.searchParams.get('state') ?? '', location }
  }

  async exchange (code: string, extra: Record<string, string> = {}): Promise<Reply> {
    return await this.postForm('/api/oauth2/token', {
      grant_type: 'authorization_code', code, redirect_uri: DEMO.redirect_uri, client_id: DEMO.client_id, client_secret: DEMO.client_secret, ...extra
    })
  }

  async refresh (refreshToken: string, extra: Record<string, string> = {}): Promise<Reply> {
    return await this.postForm('/api/oauth2/token', {
      grant_type: 'refresh_token', refresh_token: refreshToken, client_id: DEMO.client_id, client_secret: DEMO.client_secret, ...extra
    })
  }

  async userinfo (accessToken: string): Promise<Reply> {
    return await this.call('/api/oauth2/userinfo', { headers: { authorization: `Bearer ${accessToken}` } })
  }

  // Login, PKCE authorize and code exchange: the token response.
  async tokens (username = 'alice', password = 'alice-password', params: Record<string, string | undefined> = {}): Promise<{ access_token: string, refresh_token: string, scope: string }> {
    const cookie = await this.login(username, password)
    const pkce = pkcePair()
    const { code } = await this.authorizeCode(cookie, { code_challenge: pkce.challenge, code_challenge_method: 'S256', ...params })
    const res = await this.exchange(code, { code_verifier: pkce.verifier })
    if (res.status !== 200) throw new Error(`exchange failed: ${res.text}`)
    return res.json()
  }
}

export function cookieOf (res: Reply): string {
  const raw = res.headers['set-cookie']
  const first = Array.isArray(raw) ? raw[0] : raw
  if (first === undefined) throw new Error('no set-cookie')
  return first.split(';')[0] ?? ''
}

export async function startSimulator (t: Teardown, options: SimulatorOptions = {}, beforeListen?: (sim: Simulator) => void): Promise<SimHarness> {
  const sim = await buildSimulator(options)
  beforeListen?.(sim)
  await sim.listen({ port: 0, host: '127.0.0.1' })
  const agent = new Agent()
  t.teardown(async () => {
    await agent.destroy()
    await sim.close()
  })
  const { port } = sim.server.address() as AddressInfo
  return new SimHarness(sim, `http://127.0.0.1:${port}`, agent)
}
