// A minimal browser for end-to-end tests: a cookie jar per host, manual redirects, and the
// headers a real browser navigation sends. Talks over real sockets with undici.
import { request } from 'undici'

export interface Page {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
  location: string | undefined
}

export class Browser {
  readonly jars = new Map<string, Map<string, string>>()

  cookies (url: string): Map<string, string> {
    const host = new URL(url).host
    let jar = this.jars.get(host)
    if (jar === undefined) { jar = new Map(); this.jars.set(host, jar) }
    return jar
  }

  async fetch (url: string, init: { method?: string, headers?: Record<string, string>, body?: string } = {}): Promise<Page> {
    const jar = this.cookies(url)
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ')
    const res = await request(url, {
      method: (init.method ?? 'GET') as 'GET',
      headers: { accept: 'text/html,application/xhtml+xml', ...(cookie === '' ? {} : { cookie }), ...init.headers },
      ...(init.body === undefined ? {} : { body: init.body })
    })
    const body = await res.body.text()
    const setCookie = res.headers['set-cookie']
    for (const line of setCookie === undefined ? [] : Array.isArray(setCookie) ? setCookie : [setCookie]) {
      const [pair] = line.split(';')
      const eq = (pair ?? '').indexOf('=')
      const name = (pair ?? '').slice(0, eq).trim()
      const value = (pair ?? '').slice(eq + 1).trim()
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(line) || value === '') jar.delete(name)
      else jar.set(name, value)
    }
    const location = res.headers.location
    return {
      status: res.statusCode,
      headers: res.headers,
      body,
      location: location === undefined ? undefined : new URL(String(location), url).href
    }
  }
}

// Walks the one-click login: start -> AIHubMix authorize -> login form -> back to callback.
// Returns the callback's answer (302 to rd on success).
export async function signIn (
  browser: Browser, proxyUrl: string, user = { username: 'alice', password: 'alice-password' }, rd = '/'
): Promise<Page> {
  const start = await browser.fetch(`${proxyUrl}/oauth2/start?rd=${encodeURIComponent(rd)}`)
  if (start.status !== 302 || start.location === undefined) throw new Error(`start answered ${start.status}`)
  return followProvider(browser, start.location, user)
}

export async function followProvider (browser: Browser, authorizeUrl: string, user: { username: string, password: string }): Promise<Page> {
  const form = await browser.fetch(authorizeUrl)
  let back: Page
  if (form.status === 200) {
    const loginUrl = new URL('/login', authorizeUrl).href
    const posted = await browser.fetch(loginUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: user.username, password: user.password, continue: new URL(authorizeUrl).pathname + new URL(authorizeUrl).search }).toString()
    })
    if (posted.location === undefined) throw new Error(`login answered ${posted.status}`)
    back = await browser.fetch(posted.location)
  } else {
    back = form
  }
  if (back.location === undefined) throw new Error(`authorize answered ${back.status}`)
  return browser.fetch(back.location)
}
