// Audit defect 4: anyone can send a user to `/oauth2/callback?error=…&error_description=…`.
// The provider's words are shown only for the answer to a login this browser started (the state
// matches its sealed login-state cookie); a forged link gets only the generic text for its code.
import t from 'tap'
import { Browser } from '../helpers/browser.js'
import { startStack } from '../helpers/stack.js'

const ATTACKER_TEXT = 'Your account is locked. Call +1 555 0100 to unlock it'

function callbackUrl (proxyUrl: string, params: Record<string, string>): string {
  return `${proxyUrl}/oauth2/callback?${new URLSearchParams(params).toString()}`
}

t.test('a forged provider error never shows its description', async (t) => {
  const stack = await startStack(t)
  const cases: Array<[string, Record<string, string>, number, RegExp]> = [
    ['no state', { error: 'access_denied', error_description: ATTACKER_TEXT }, 403, /You declined access/],
    ['a state this browser never started', { error: 'server_error', error_description: ATTACKER_TEXT, state: 'forged-state' }, 502, /AIHubMix had a problem/],
    ['an unregistered code', { error: ATTACKER_TEXT, error_description: ATTACKER_TEXT, state: 'x' }, 502, /error code: unknown_error/],
    ['a registered code shown as such', { error: 'invalid_scope', error_description: ATTACKER_TEXT }, 502, /error code: invalid_scope/]
  ]
  for (const [label, params, status, generic] of cases) {
    const browser = new Browser()
    const page = await browser.fetch(callbackUrl(stack.proxyUrl, params), { headers: { 'accept-language': 'en' } })
    t.equal(page.status, status, `${label}: status for the code`)
    t.match(page.body, generic, `${label}: the generic text`)
    t.notOk(page.body.includes('Your account is locked'), `${label}: no attacker text on our origin`)
    t.notMatch(page.body, /AIHubMix said/, `${label}: no description line`)
    t.match(page.body, /href="\/oauth2\/start"/, `${label}: try again, without any rd`)
  }
})

t.test('a provider error for this browser\'s own login shows the description and keeps rd', async (t) => {
  const stack = await startStack(t)
  const browser = new Browser()
  const start = await browser.fetch(`${stack.proxyUrl}/oauth2/start?rd=%2Fdash%3Ftab%3D1`)
  const state = new URL(start.location ?? '').searchParams.get('state') ?? ''
  const stateCookies = [...browser.cookies(stack.proxyUrl).keys()].filter((k) => k.includes('_st_'))
  t.equal(stateCookies.length, 1)

  // What AIHubMix's redirect looks like when the user declines.
  const page = await browser.fetch(callbackUrl(stack.proxyUrl, {
    error: 'access_denied', error_description: 'The user said no', state, iss: stack.simulatorUrl
  }), { headers: { 'accept-language': 'en' } })
  t.equal(page.status, 403)
  t.match(page.body, /You declined access/)
  t.match(page.body, /AIHubMix said: The user said no/, 'the provider\'s own words')
  t.match(page.body, /href="\/oauth2\/start\?rd=%2Fdash%3Ftab%3D1"/, 'try again keeps rd')
  t.notOk(browser.cookies(stack.proxyUrl).has(stateCookies[0] ?? ''), 'the login state is used up')

  // The same link again: the cookie is gone, so it is now as good as forged.
  const again = await browser.fetch(callbackUrl(stack.proxyUrl, { error: 'access_denied', error_description: 'The user said no', state }))
  t.equal(again.status, 403)
  t.notMatch(again.body, /The user said no/)
  t.match(again.body, /href="\/oauth2\/start"/)
})
