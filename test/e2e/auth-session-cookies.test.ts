// SPEC §4 and §7, through HTTP: every login gets a new session id (the old one dies), the login
// state cookie carries its attributes from `start`, and tampered cookies (truncated, re-sealed
// with the real keys, garbage) only ever mean "signed out" or a 403 state page, never a 500.
import t from 'tap'
import { request } from 'undici'
import { Browser, followProvider, signIn } from '../helpers/browser.js'
import { startStack, type Stack } from '../helpers/stack.js'

const ALICE = { username: 'alice', password: 'alice-password' }

function setCookieLines (headers: Record<string, unknown>): string[] {
  return [headers['set-cookie']].flat().filter((l): l is string => typeof l === 'string')
}

async function probe (stack: Stack, cookie: string, accept: string): Promise<{ status: number, location: string | undefined }> {
  const res = await request(`${stack.proxyUrl}/private`, { headers: { cookie, accept } })
  await res.body.dump()
  return { status: res.statusCode, location: res.headers.location as string | undefined }
}

function ticketOf (stack: Stack, cookieValue: string): { id: string, key: string } {
  const session = stack.proxy.decodeSecureSession(decodeURIComponent(cookieValue), undefined, 'session')
  return session?.get('t') as { id: string, key: string }
}

t.test('every login gets a new session id, and the previous cookie is dead', async (t) => {
  const stack = await startStack(t)
  const browser = new Browser()
  await signIn(browser, stack.proxyUrl)
  const first = browser.cookies(stack.proxyUrl).get('_aihubmix_auth') ?? ''
  t.equal((await probe(stack, `_aihubmix_auth=${first}`, 'application/json')).status, 200, 'the first login works')

  // The same browser signs in again, sending its current session cookie along.
  const again = await signIn(browser, stack.proxyUrl)
  t.equal(again.status, 302)
  const second = browser.cookies(stack.proxyUrl).get('_aihubmix_auth') ?? ''
  t.not(second, first, 'a new cookie')
  t.not(ticketOf(stack, second).id, ticketOf(stack, first).id, 'naming a new session id')
  t.not(ticketOf(stack, second).key, ticketOf(stack, first).key, 'with a new key')
  t.equal((await probe(stack, `_aihubmix_auth=${second}`, 'application/json')).status, 200, 'the new cookie works')
  t.equal((await probe(stack, `_aihubmix_auth=${first}`, 'application/json')).status, 401, 'the first cookie gets 401')
  const page = await probe(stack, `_aihubmix_auth=${first}`, 'text/html')
  t.equal(page.status, 302, 'and a browser with it is sent to sign in')
  t.match(page.location, /^\/oauth2\/sign_in\?rd=/)
})

for (const secure of [false, true]) {
  t.test(`the login state cookie from start (cookieSecure ${String(secure)})`, async (t) => {
    // cookieSameSite strict for the session cookie: the state cookie stays Lax regardless,
    // because it must come back on AIHubMix's cross-site redirect to the callback.
    const stack = await startStack(t, { config: { cookieSecure: secure, cookieSameSite: 'strict' } })
    const res = await request(`${stack.proxyUrl}/oauth2/start?rd=%2Fx`, { headers: { accept: 'text/html' } })
    await res.body.dump()
    t.equal(res.statusCode, 302)
    const lines = setCookieLines(res.headers)
    t.equal(lines.length, 1, 'one cookie: the login state')
    const line = lines[0] ?? ''
    t.match(line, secure ? /^__Host-_aihubmix_auth_st_[A-Za-z0-9_-]{16}=/ : /^_aihubmix_auth_st_[A-Za-z0-9_-]{16}=/, 'named for its state')
    t.match(line, /;\s*HttpOnly(;|$)/i, 'HttpOnly')
    t.match(line, /;\s*SameSite=Lax(;|$)/i, 'SameSite=Lax')
    t.match(line, /;\s*Path=\/(;|$)/i, 'Path=/')
    t.match(line, /;\s*Max-Age=600(;|$)/i, 'lives 10 minutes')
    t.notMatch(line, /Domain=/i, 'no Domain')
    if (secure) t.match(line, /;\s*Secure(;|$)/i, 'Secure')
    else t.notMatch(line, /;\s*Secure/i, 'not Secure on http localhost')
  })
}

t.test('truncated or re-sealed session cookies are signed out, never a 500', async (t) => {
  const stack = await startStack(t)
  const browser = new Browser()
  await signIn(browser, stack.proxyUrl)
  const real = browser.cookies(stack.proxyUrl).get('_aihubmix_auth') ?? ''
  const raw = decodeURIComponent(real)
  const ticket = ticketOf(stack, real)
  const reseal = (data: Record<string, unknown>): string =>
    encodeURIComponent(stack.proxy.encodeSecureSession(stack.proxy.createSecureSession(data), 'session'))
  const flip = (value: string): string => Buffer.from(Buffer.from(value, 'base64url').map((b) => b ^ 0xff)).toString('base64url')
  const otherId = flip(ticket.id)
  const otherKey = flip(ticket.key)
  const tampered: Array<[string, string]> = [
    ['truncated by one character', encodeURIComponent(raw.slice(0, -1))],
    ['truncated to half', encodeURIComponent(raw.slice(0, Math.floor(raw.length / 2)))],
    ['cut at the nonce separator', encodeURIComponent(raw.slice(0, raw.indexOf(';') + 1))],
    ['one character changed', encodeURIComponent(raw.slice(0, 10) + (raw[10] === 'A' ? 'B' : 'A') + raw.slice(11))],
    ['re-sealed with another session id', reseal({ t: { ...ticket, id: otherId } })],
    ['re-sealed with another key for the real id', reseal({ t: { ...ticket, key: otherKey } })],
    ['re-sealed ticket with an extra field', reseal({ t: { ...ticket, admin: true } })],
    ['re-sealed ticket of the wrong shape', reseal({ t: 'not-a-ticket' })],
    ['re-sealed without a ticket', reseal({ s: 'state', rd: '/' })]
  ]
  for (const [name, value] of tampered) {
    const api = await probe(stack, `_aihubmix_auth=${value}`, 'application/json')
    t.equal(api.status, 401, `${name}: 401 for an API client`)
    const page = await probe(stack, `_aihubmix_auth=${value}`, 'text/html')
    t.equal(page.status, 302, `${name}: 302 for a browser`)
    const info = await request(`${stack.proxyUrl}/oauth2/userinfo`, { headers: { cookie: `_aihubmix_auth=${value}`, accept: 'application/json' } })
    await info.body.dump()
    t.equal(info.statusCode, 401, `${name}: userinfo 401`)
  }
  t.equal((await probe(stack, `_aihubmix_auth=${real}`, 'application/json')).status, 200, 'the real cookie still works')
  t.notMatch(stack.logs.join(''), /"status(Code)?":500/, 'no 500 in the logs')
})

t.test('a garbage or re-sealed login state cookie gets the 403 state page, never a 500', async (t) => {
  const stack = await startStack(t)
  const variants: Array<[string, (name: string, value: string) => string]> = [
    ['garbage', () => 'garbage'],
    ['empty nonce', () => encodeURIComponent('a;')],
    ['truncated', (_name, value) => value.slice(0, 20)],
    ['re-sealed for another state', () => encodeURIComponent(stack.proxy.encodeSecureSession(
      stack.proxy.createSecureSession({ s: 'another-state', rd: '/' }), 'loginState'))],
    ['re-sealed without rd', (name, value) => {
      const data = stack.proxy.decodeSecureSession(decodeURIComponent(value), undefined, 'loginState')
      return encodeURIComponent(stack.proxy.encodeSecureSession(stack.proxy.createSecureSession({ s: data?.get('s') }), 'loginState'))
    }],
    ['the session cookie\'s sealing in the state cookie\'s place', () => encodeURIComponent(stack.proxy.encodeSecureSession(
      stack.proxy.createSecureSession({ s: 'x', rd: '/' }), 'session'))]
  ]
  for (const [label, forge] of variants) {
    const browser = new Browser()
    const start = await browser.fetch(`${stack.proxyUrl}/oauth2/start?rd=%2Fx`)
    const jar = browser.cookies(stack.proxyUrl)
    const [name, value] = [...jar].find(([k]) => k.includes('_st_')) ?? ['', '']
    jar.set(name, forge(name, value))
    const back = await followProvider(browser, start.location ?? '', ALICE)
    t.equal(back.status, 403, `${label}: 403`)
    t.match(String(back.headers['content-type']), /text\/html/, `${label}: a page`)
    t.notOk(jar.has('_aihubmix_auth'), `${label}: no session cookie`)
  }
  t.notMatch(stack.logs.join(''), /"status(Code)?":500/, 'no 500 in the logs')
})
