// Audit defects 1 and 2: a sign-out form on the proxy's confirmation page, or on the demo
// upstream's page, must sign out when a real browser posts it, and its redirect to an allowed
// absolute `rd` must pass the page's CSP form-action. The browser is emulated from the headers
// the page was served with: Fetch derives the form POST's `Origin` from its Referrer-Policy.
import t from 'tap'
import { request } from 'undici'
import { Browser, signIn } from '../helpers/browser.js'
import { startStack } from '../helpers/stack.js'

function cookieHeader (browser: Browser, url: string): string {
  return [...browser.cookies(url)].map(([k, v]) => `${k}=${v}`).join('; ')
}

// Fetch, "serializing a request origin" for a same-origin POST: `null` when the page's policy
// is no-referrer, the page's own origin under every other policy. The last valid token of the
// header wins; the default is strict-origin-when-cross-origin.
const POLICIES = new Set(['no-referrer', 'no-referrer-when-downgrade', 'same-origin', 'origin', 'strict-origin',
  'origin-when-cross-origin', 'strict-origin-when-cross-origin', 'unsafe-url'])
function formPostOrigin (referrerPolicy: unknown, pageOrigin: string): string {
  const tokens = String(referrerPolicy ?? '').split(',').map((s) => s.trim().toLowerCase()).filter((s) => POLICIES.has(s))
  return tokens.at(-1) === 'no-referrer' ? 'null' : pageOrigin
}

function formAction (html: string): string {
  const action = /<form method="post" action="([^"]+)">/.exec(html)?.[1]
  if (action === undefined) throw new Error('no POST form on the page')
  return action.replaceAll('&amp;', '&')
}

async function status (url: string, cookie: string): Promise<number> {
  const res = await request(url, { headers: { cookie, accept: 'application/json' } })
  await res.body.dump()
  return res.statusCode
}

function postForm (browser: Browser, url: string, origin: string, site: string): ReturnType<Browser['fetch']> {
  return browser.fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin, 'sec-fetch-site': site },
    body: ''
  })
}

t.test('the confirmation page signs out when its form is posted the way a browser posts it', async (t) => {
  const stack = await startStack(t)
  // The Origin the page's own policy gives its form, and `null` (a page served by an older
  // version, still open in a tab, under no-referrer).
  for (const variant of ['by the page\'s Referrer-Policy', 'null']) {
    const browser = new Browser()
    await signIn(browser, stack.proxyUrl)
    const cookie = cookieHeader(browser, stack.proxyUrl)
    const confirm = await browser.fetch(`${stack.proxyUrl}/oauth2/sign_out?rd=%2Fbye`, {
      headers: { 'sec-fetch-site': 'cross-site', referer: 'https://elsewhere.example/' }
    })
    t.equal(confirm.status, 200, 'a cross-site link gets the confirmation page')
    const action = new URL(formAction(confirm.body), stack.proxyUrl).href
    t.equal(action, `${stack.proxyUrl}/oauth2/sign_out?rd=%2Fbye`)
    const origin = variant === 'null' ? 'null' : formPostOrigin(confirm.headers['referrer-policy'], stack.proxyUrl)
    if (variant !== 'null') t.equal(origin, stack.proxyUrl, 'the page lets its form send our own Origin')

    const forged = await postForm(browser, action, origin, 'cross-site')
    t.equal(forged.status, 403, `Origin ${origin}, Sec-Fetch-Site cross-site: refused`)
    t.equal(await status(`${stack.proxyUrl}/headers`, cookie), 200, 'still signed in')

    const posted = await postForm(browser, action, origin, 'same-origin')
    t.equal(posted.status, 302, `Origin ${origin}, Sec-Fetch-Site same-origin: signed out`)
    t.equal(posted.headers.location, '/bye')
    t.notOk(browser.cookies(stack.proxyUrl).has('_aihubmix_auth'), 'the cookie is cleared')
    t.equal(await status(`${stack.proxyUrl}/headers`, cookie), 401, 'and the session is gone')
  }
})

// CSP3 source matching for form-action, strict on schemes (no http-to-https upgrade credited).
function formActionAllows (csp: string, target: string, self: string): boolean {
  const directive = csp.split(';').map((d) => d.trim()).find((d) => d.startsWith('form-action ')) ?? ''
  const url = new URL(target)
  return directive.split(/\s+/).slice(1).some((source) => {
    if (source === "'self'") return url.origin === new URL(self).origin
    const m = /^(https?):\/\/(\*\.)?([^:/]+)(?::(\d+))?$/.exec(source)
    if (m === null) return false
    const [, scheme, wildcard, host = '', port] = m
    const hostOk = wildcard === undefined ? url.hostname === host : url.hostname.endsWith(`.${host}`)
    return url.protocol === `${scheme}:` && hostOk && url.port === (port ?? '')
  })
}

t.test('CSP form-action lets the confirmation form redirect to every allowed rd target', async (t) => {
  const stack = await startStack(t, { config: { allowedRedirectDomains: '.apps.example.com,partner.example' } })
  const targets = [
    'https://x.apps.example.com/bye', 'http://x.apps.example.com/bye', 'https://apps.example.com/',
    'https://partner.example/out', `${stack.proxyUrl}/bye`
  ]
  for (const rd of targets) {
    const browser = new Browser()
    await signIn(browser, stack.proxyUrl)
    const confirm = await browser.fetch(`${stack.proxyUrl}/oauth2/sign_out?rd=${encodeURIComponent(rd)}`, {
      headers: { 'sec-fetch-site': 'cross-site' }
    })
    const csp = String(confirm.headers['content-security-policy'])
    const action = new URL(formAction(confirm.body), stack.proxyUrl).href
    t.ok(formActionAllows(csp, action, stack.proxyUrl), 'the form posts to the proxy itself')
    const posted = await postForm(browser, action, formPostOrigin(confirm.headers['referrer-policy'], stack.proxyUrl), 'same-origin')
    t.equal(posted.status, 302)
    t.equal(posted.headers.location, new URL(rd).href, `redirected to ${rd}`)
    t.ok(formActionAllows(csp, String(posted.headers.location), stack.proxyUrl), `form-action allows the redirect to ${rd}`)
  }

  const page = await request(`${stack.proxyUrl}/oauth2/sign_in`, { headers: { accept: 'text/html' } })
  await page.body.dump()
  const csp = String(page.headers['content-security-policy'])
  t.ok(formActionAllows(csp, `${stack.simulatorUrl}/api/oauth2/authorize`, stack.proxyUrl), 'the provider\'s authorize origin')
  t.ok(formActionAllows(csp, stack.config.redirectUrl.href, 'http://other-host.example'), 'redirectUrl\'s origin, whatever host served the page')
  for (const refused of ['https://evil.example/', 'https://apps.example.com.evil.example/', 'https://partner.example:8443/', 'https://x.partner.example/']) {
    t.notOk(formActionAllows(csp, refused, stack.proxyUrl), `not ${refused}`)
  }
})

t.test('the demo upstream\'s sign-out form signs out through the proxy', async (t) => {
  const stack = await startStack(t)
  const browser = new Browser()
  await signIn(browser, stack.proxyUrl)
  const cookie = cookieHeader(browser, stack.proxyUrl)
  const home = await browser.fetch(`${stack.proxyUrl}/`)
  t.equal(home.status, 200)
  t.match(home.body, /Signed in as <strong>alice<\/strong>/, 'the demo page, through the proxy')
  const action = new URL(formAction(home.body), stack.proxyUrl).href
  t.equal(action, `${stack.proxyUrl}/oauth2/sign_out`)
  const posted = await postForm(browser, action, formPostOrigin(home.headers['referrer-policy'], stack.proxyUrl), 'same-origin')
  t.equal(posted.status, 302, 'signed out')
  t.equal(await status(`${stack.proxyUrl}/headers`, cookie), 401)
})
