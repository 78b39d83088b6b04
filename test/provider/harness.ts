// The real simulator on port 0, the provider client pointed at it, and a browser that signs in
// through the simulator's login form. Everything opened here is closed in t.teardown.
import type { AddressInfo } from 'node:net'
import { Agent, request } from 'undici'
import { buildSimulator, type SimulatorOptions } from '../../src/simulator/app.js'
import { createProviderClient, type ProviderClient, type ProviderClientOptions } from '../../src/provider/client.js'

export const DEMO = {
  clientId: 'demo-client',
  clientSecret: 'demo-secret',
  redirectUri: 'http://localhost:4180/oauth2/callback'
} as const

export const DEVELOPER_TOKEN = 'dev-token'

export interface Teardown { teardown: (fn: () => unknown) => void }

export interface CallRecord { endpoint: string, outcome: string }

export interface Provider {
  base: string
  /** every onCall report of every client built by client() */
  calls: CallRecord[]
  control: (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown) => Promise<any>
  client: (overrides?: Partial<ProviderClientOptions>) => ProviderClient
  /** signs in through the login form and returns where the simulator sent the browser back */
  login: (authorizeUrl: string, username?: string, password?: string) => Promise<URL>
}

function unescapeHtml (value: string): string {
  return value.replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&')
}

export async function startProvider (t: Teardown, options: SimulatorOptions = {}): Promise<Provider> {
  const sim = await buildSimulator(options)
  await sim.listen({ port: 0, host: '127.0.0.1' })
  const browser = new Agent()
  const clients: ProviderClient[] = []
  t.teardown(async () => {
    for (const c of clients) await c.close()
    await browser.close()
    await sim.close()
  })
  const base = `http://127.0.0.1:${(sim.server.address() as AddressInfo).port}`
  const calls: CallRecord[] = []

  async function browse (path: string, init: { method?: 'GET' | 'POST', headers?: Record<string, string>, body?: string } = {}) {
    const res = await request(new URL(path, base), { dispatcher: browser, method: init.method ?? 'GET', headers: init.headers, body: init.body })
    const text = await res.body.text()
    const location = res.headers.location
    const setCookie = res.headers['set-cookie']
    return {
      status: res.statusCode,
      text,
      location: typeof location === 'string' ? location : undefined,
      cookie: (Array.isArray(setCookie) ? setCookie[0] : setCookie)?.split(';')[0]
    }
  }

  return {
    base,
    calls,
    async control (method, path, body) {
      const res = await request(`${base}/__control${path}`, {
        dispatcher: browser,
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body)
      })
      const text = await res.body.text()
      if (res.statusCode !== 200) throw new Error(`control ${path}: ${res.statusCode} ${text}`)
      return JSON.parse(text)
    },
    client (overrides = {}) {
      const client = createProviderClient({
        authorizeUrl: new URL('/api/oauth2/authorize', base),
        tokenUrl: new URL('/api/oauth2/token', base),
        userinfoUrl: new URL('/api/oauth2/userinfo', base),
        topupUrl: new URL('/api/oauth2/topup', base),
        appsUrl: new URL('/api/oauth_apps', base),
        clientId: DEMO.clientId,
        clientSecret: DEMO.clientSecret,
        redirectUri: DEMO.redirectUri,
        scope: 'profile balance',
        autoAuthorize: true,
        timeoutMs: 5000,
        onCall: (endpoint, _durationMs, outcome) => { calls.push({ endpoint, outcome }) },
        ...overrides
      })
      clients.push(client)
      return client
    },
    async login (authorizeUrl, username = 'alice', password = 'alice-password') {
      const page = await browse(authorizeUrl)
      if (page.status !== 200) throw new Error(`authorize answered ${page.status}`)
      const next = /name="continue" value="([^"]*)"/.exec(page.text)?.[1]
      if (next === undefined) throw new Error('no login form')
      const form = new URLSearchParams({ username, password, continue: unescapeHtml(next) }).toString()
      const signedIn = await browse('/login', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form })
      if (signedIn.status !== 302 || signedIn.location === undefined || signedIn.cookie === undefined) {
        throw new Error(`login answered ${signedIn.status}`)
      }
      const back = await browse(signedIn.location, { headers: { cookie: signedIn.cookie } })
      if (back.status !== 302 || back.location === undefined) throw new Error(`authorize after login answered ${back.status}`)
      return new URL(back.location)
    }
  }
}

/** Nothing we sent or received as a secret may appear in an error's message or serialization. */
export function leaks (err: unknown, secrets: ReadonlyArray<string | undefined>): string[] {
  const e = err as Error
  const text = `${e.message}\n${JSON.stringify(err)}`
  return secrets.filter((s): s is string => s !== undefined && s !== '' && text.includes(s))
}
