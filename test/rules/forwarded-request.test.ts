import fc from 'fast-check'
import t from 'tap'
import { readForwardedRequest, type ForwardedHeaders } from '../../src/rules/forwarded-request.js'

const traefik: ForwardedHeaders = { method: 'GET', proto: 'https', host: 'app.example.com', uri: '/dashboard?tab=1' }

t.test('the request Traefik asks about', async (t) => {
  t.same(readForwardedRequest(traefik), { method: 'GET', url: 'https://app.example.com/dashboard?tab=1', path: '/dashboard' })
  t.same(readForwardedRequest({ ...traefik, proto: 'HTTP', host: 'app.example.com:8443' }).url, 'http://app.example.com:8443/dashboard?tab=1', 'scheme lower-cased, port kept')
  t.same(readForwardedRequest({ ...traefik, host: '[::1]:8080' }).url, 'https://[::1]:8080/dashboard?tab=1', 'IPv6 literal')
  t.same(readForwardedRequest({ ...traefik, uri: '/a/./b/../%61dmin' }).path, '/a/admin', 'path normalized as §5 does')
  t.same(readForwardedRequest({ ...traefik, uri: '//evil.com/x' }).url, 'https://app.example.com//evil.com/x', 'a // path is left to the rd rule')
})

t.test('missing, duplicated or malformed values are left out', async (t) => {
  const cases: Array<[string, Partial<ForwardedHeaders>, keyof ReturnType<typeof readForwardedRequest>]> = [
    ['no method', { method: undefined }, 'method'],
    ['method with a space', { method: 'GE T' }, 'method'],
    ['method joined from two headers', { method: 'GET, POST' }, 'method'],
    ['method as an array', { method: ['GET', 'GET'] }, 'method'],
    ['empty method', { method: '' }, 'method'],
    ['no proto', { proto: undefined }, 'url'],
    ['javascript scheme', { proto: 'javascript' }, 'url'],
    ['proto with a suffix', { proto: 'https://evil.com#' }, 'url'],
    ['proto as an array', { proto: ['https'] }, 'url'],
    ['no host', { host: undefined }, 'url'],
    ['empty host', { host: '' }, 'url'],
    ['host with userinfo', { host: 'evil.com@app.example.com' }, 'url'],
    ['host with a path', { host: 'evil.com/x' }, 'url'],
    ['host joined from two headers', { host: 'a.example.com, b.example.com' }, 'url'],
    ['host with a backslash', { host: 'evil.com\\app.example.com' }, 'url'],
    ['host with a CR', { host: 'app.example.com\r' }, 'url'],
    ['host with a long port', { host: 'app.example.com:123456' }, 'url'],
    ['host with a double dot', { host: 'app..example.com' }, 'url'],
    ['no uri', { uri: undefined }, 'url'],
    ['relative uri', { uri: 'dashboard' }, 'url'],
    ['absolute uri', { uri: 'https://evil.com/' }, 'url'],
    ['uri with a space', { uri: '/a b' }, 'url'],
    ['uri with a tab', { uri: '/a\tb' }, 'url'],
    ['uri with non-ASCII', { uri: '/café' }, 'url'],
    ['uri as an array', { uri: ['/a', '/b'] }, 'url'],
    ['no uri, no path', { uri: undefined }, 'path'],
    ['path above the root', { uri: '/../etc/passwd' }, 'path'],
    ['path with a backslash', { uri: '/a\\b' }, 'path'],
    ['path with an encoded NUL', { uri: '/a%00' }, 'path']
  ]
  for (const [name, change, field] of cases) {
    t.equal(readForwardedRequest({ ...traefik, ...change })[field], undefined, name)
  }
  t.equal(readForwardedRequest({ ...traefik, host: 'evil.com@x' }).method, 'GET', 'one bad value leaves the others')
})

t.test('property: a built URL always names the forwarded host, with an http(s) scheme', async () => {
  const proto = fc.oneof(fc.string(), fc.constantFrom('http', 'HTTPS', 'javascript', 'https:'))
  const host = fc.oneof(fc.string(), fc.domain(), fc.domain().map((d) => `${d}:443`), fc.string().map((s) => `app.example.com${s}`))
  const uri = fc.oneof(fc.string(), fc.webPath(), fc.string().map((s) => `/${s}`))
  fc.assert(fc.property(proto, host, uri, (proto, host, uri) => {
    const url = readForwardedRequest({ method: 'GET', proto, host, uri }).url
    if (url === undefined) return true
    if (!url.startsWith(`${proto.toLowerCase()}://${host}/`)) return false
    // A host WHATWG cannot parse (`a.b.0`) is the rd rule's malformed_url: refused there.
    const parsed = URL.canParse(url) ? new URL(url) : undefined
    return parsed === undefined || ((parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.username === '' && parsed.password === '')
  }), { numRuns: 5000 })
})

t.test('property: well-formed headers give back the URL Traefik saw', async () => {
  fc.assert(fc.property(fc.constantFrom('http', 'https'), fc.domain(), fc.webPath(), (proto, host, path) => {
    const uri = path === '' ? '/' : path
    return readForwardedRequest({ method: 'GET', proto, host, uri }).url === `${proto}://${host}${uri}`
  }))
})
