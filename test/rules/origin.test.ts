import t from 'tap'
import fc from 'fast-check'
import { compileOriginPolicy, isAllowedWebsocketOrigin, isSameSiteSignOut } from '../../src/rules/origin.js'

const policy = compileOriginPolicy({
  redirectUrl: new URL('https://auth.example.com/oauth2/callback'),
  allowedRedirectDomains: ['.apps.example.com', 'partner.org']
})
const own = 'https://app.example.com'

type Req = Parameters<typeof isSameSiteSignOut>[0]
function req (method: string, h: Partial<Omit<Req, 'method'>>): Req {
  return { method, secFetchSite: undefined, origin: undefined, referer: undefined, ownOrigin: own, ...h }
}

t.test('POST sign_out', async (t) => {
  const cases: Array<[string, Req, boolean]> = [
    ['same-origin form', req('POST', { origin: own, secFetchSite: 'same-origin' }), true],
    ['Origin ours, no Sec-Fetch-Site', req('POST', { origin: own }), true],
    ['Origin is redirectUrl\'s origin', req('POST', { origin: 'https://auth.example.com', secFetchSite: 'same-site' }), true],
    ['an allowed redirect domain on the same site', req('POST', { origin: 'https://x.apps.example.com', secFetchSite: 'same-site' }), true],
    ['no headers at all (curl)', req('POST', {}), true],
    ['Sec-Fetch-Site none, no Origin', req('POST', { secFetchSite: 'none' }), true],
    ['cross-site Origin', req('POST', { origin: 'https://evil.com', secFetchSite: 'cross-site' }), false],
    ['cross-site Origin without Sec-Fetch-Site', req('POST', { origin: 'https://evil.com' }), false],
    ['Sec-Fetch-Site cross-site without Origin', req('POST', { secFetchSite: 'cross-site' }), false],
    ['Sec-Fetch-Site cross-site even from an allowed domain', req('POST', { origin: 'https://partner.org', secFetchSite: 'cross-site' }), false],
    ['same-site without Origin', req('POST', { secFetchSite: 'same-site' }), false],
    ['same-site sibling that is not allowed', req('POST', { origin: 'https://evil.example.com', secFetchSite: 'same-site' }), false],
    // A form on our own page under Referrer-Policy no-referrer (Fetch: Origin serializes as null).
    ['Origin null from our own page (Sec-Fetch-Site same-origin)', req('POST', { origin: 'null', secFetchSite: 'same-origin' }), true],
    ['opaque Origin null without Sec-Fetch-Site', req('POST', { origin: 'null' }), false],
    ['Origin null, cross-site (sandboxed frame, data: URL)', req('POST', { origin: 'null', secFetchSite: 'cross-site' }), false],
    ['Origin null, same-site', req('POST', { origin: 'null', secFetchSite: 'same-site' }), false],
    ['Origin null, Sec-Fetch-Site none', req('POST', { origin: 'null', secFetchSite: 'none' }), false],
    ['Origin null with a Referer from us proves nothing', req('POST', { origin: 'null', referer: `${own}/` }), false],
    ['Origin with a path', req('POST', { origin: 'https://app.example.com/x' }), false],
    ['Origin in upper case', req('POST', { origin: 'https://APP.example.com' }), false],
    ['look-alike Origin', req('POST', { origin: 'https://app.example.com.evil.com' }), false],
    ['Origin on another port', req('POST', { origin: 'https://app.example.com:8443' }), false],
    ['Origin on http', req('POST', { origin: 'http://app.example.com' }), false],
    ['Origin with another scheme', req('POST', { origin: 'ftp://partner.org' }), false],
    ['a Referer from us does not help a foreign Origin', req('POST', { origin: 'https://evil.com', referer: `${own}/` }), false]
  ]
  for (const [name, r, expected] of cases) t.equal(isSameSiteSignOut(r, policy), expected, name)
})

t.test('GET sign_out', async (t) => {
  const cases: Array<[string, Req, boolean]> = [
    ['same-origin link', req('GET', { secFetchSite: 'same-origin' }), true],
    ['typed in the address bar', req('GET', { secFetchSite: 'none' }), true],
    ['HEAD like GET', req('HEAD', { secFetchSite: 'same-origin' }), true],
    ['no Sec-Fetch-Site, Referer ours', req('GET', { referer: `${own}/settings?tab=1` }), true],
    ['no Sec-Fetch-Site, Referer on redirectUrl\'s origin', req('GET', { referer: 'https://auth.example.com/x' }), true],
    ['Referer host in upper case', req('GET', { referer: 'https://APP.example.com/' }), true],
    ['no Sec-Fetch-Site, Origin ours', req('GET', { origin: own }), true],
    ['ownOrigin with its default port written out', req('GET', { referer: `${own}/`, ownOrigin: 'https://App.Example.com:443' }), true],
    ['cross-site link', req('GET', { secFetchSite: 'cross-site', referer: 'https://evil.com/' }), false],
    ['same-site link from a sibling', req('GET', { secFetchSite: 'same-site', referer: 'https://x.apps.example.com/' }), false],
    ['an allowed domain is not "this host" for GET', req('GET', { origin: 'https://partner.org' }), false],
    ['no headers at all', req('GET', {}), false],
    ['Referer look-alike', req('GET', { referer: 'https://app.example.com.evil.com/' }), false],
    ['Referer on another port', req('GET', { referer: 'https://app.example.com:8443/' }), false],
    ['Referer is just the origin', req('GET', { referer: own }), false],
    ['Referer with userinfo trick', req('GET', { referer: 'https://app.example.com@evil.com/' }), false],
    ['garbage ownOrigin never matches', req('GET', { referer: 'null/', origin: 'null', ownOrigin: 'null' }), false],
    ['Origin null is not this host for GET', req('GET', { origin: 'null' }), false],
    ['opaque ownOrigin never equals Origin null', req('GET', { origin: 'null', ownOrigin: 'data:text/plain,x' }), false],
    ['other methods never sign out', req('PUT', { secFetchSite: 'same-origin', origin: own }), false],
    ['DELETE neither', req('DELETE', { secFetchSite: 'same-origin', origin: own }), false]
  ]
  for (const [name, r, expected] of cases) t.equal(isSameSiteSignOut(r, policy), expected, name)
})

t.test('websocket Origin', async (t) => {
  const cases: Array<[string | undefined, boolean, string]> = [
    [own, true, 'own origin'],
    ['https://auth.example.com', true, 'redirectUrl origin'],
    ['https://x.apps.example.com', true, 'allowed subdomain'],
    ['https://apps.example.com', true, 'the dotted domain itself'],
    ['http://partner.org', true, 'allowed exact host, http'],
    [undefined, false, 'missing'],
    ['', false, 'empty'],
    ['null', false, 'opaque'],
    ['https://evil.com', false, 'foreign'],
    ['https://app.example.com.evil.com', false, 'look-alike'],
    ['https://partner.org:8443', false, 'allowed host, other port'],
    ['https://app.example.com/', false, 'not a bare origin'],
    ['HTTPS://app.example.com', false, 'not as a browser serializes it'],
    ['wss://app.example.com', false, 'not http(s)'],
    ['https://evil.com#@app.example.com', false, 'fragment trick'],
    ['not a url', false, 'garbage']
  ]
  for (const [origin, expected, name] of cases) t.equal(isAllowedWebsocketOrigin(origin, own, policy), expected, name)
  t.notOk(isAllowedWebsocketOrigin('null', 'null', policy), 'an opaque own origin matches nothing')
})

t.test('property: a random Origin is refused unless it is ours', async () => {
  fc.assert(fc.property(fc.webUrl(), (url) => {
    const origin = new URL(url).origin
    const h = new URL(url).hostname
    const ours = origin === own || origin === 'https://auth.example.com' ||
      (new URL(url).port === '' && (h === 'partner.org' || h === 'apps.example.com' || h.endsWith('.apps.example.com')))
    return isAllowedWebsocketOrigin(origin, own, policy) === ours &&
      (ours || !isSameSiteSignOut(req('POST', { origin }), policy))
  }), { numRuns: 3000 })
})
