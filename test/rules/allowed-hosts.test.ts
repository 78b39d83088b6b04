import t from 'tap'
import { compileAllowedHosts, isAllowedHost, parseAllowedDomain } from '../../src/rules/allowed-hosts.js'

t.test('entries are read in the ASCII form a browser uses', async (t) => {
  const cases: Array<[string, { hostname: string, port: string, subdomains: boolean }]> = [
    ['example.com', { hostname: 'example.com', port: '', subdomains: false }],
    ['EXAMPLE.Com', { hostname: 'example.com', port: '', subdomains: false }],
    ['.example.com', { hostname: 'example.com', port: '', subdomains: true }],
    ['example.com:8443', { hostname: 'example.com', port: '8443', subdomains: false }],
    ['.example.com:08443', { hostname: 'example.com', port: '8443', subdomains: true }],
    ['b\u00fccher.de', { hostname: 'xn--bcher-kva.de', port: '', subdomains: false }],
    ['[::1]:3000', { hostname: '[::1]', port: '3000', subdomains: false }],
    ['[0:0::1]', { hostname: '[::1]', port: '', subdomains: false }],
    ['127.0.0.1', { hostname: '127.0.0.1', port: '', subdomains: false }],
    ['localhost', { hostname: 'localhost', port: '', subdomains: false }]
  ]
  for (const [entry, domain] of cases) t.same(parseAllowedDomain(entry), { ok: true, domain }, entry)
})

t.test('malformed entries are refused with a hint', async (t) => {
  const bad = ['', '.', '*.example.com', 'https://example.com', 'example.com/path', 'user@example.com',
    'a b', 'example.com:99999', 'example.com:', 'example.com.', '.example.com.', '..example.com',
    '[zz]', 'exa%6dple.com', 'example.com?x', 'ex\\ample.com', 'ex\tample.com', 'exa_mple.com', '::1']
  for (const entry of bad) {
    const r = parseAllowedDomain(entry)
    t.equal(r.ok, false, JSON.stringify(entry))
    if (!r.ok) t.match(r.reason, /expected a host name such as example\.com/)
  }
  t.throws(() => compileAllowedHosts(['ok.com', '*.example.com'], []), {
    name: 'TypeError',
    message: /allowedRedirectDomains: "\*\.example\.com": expected a host name/
  })
})

t.test('matching', async (t) => {
  const hosts = compileAllowedHosts(['.example.com', 'exact.org', '.ports.net:8443'], [new URL('http://localhost:4180/cb')])
  const yes: Array<[string, string]> = [['example.com', ''], ['a.example.com', ''], ['exact.org', ''],
    ['localhost', '4180'], ['a.ports.net', '8443'], ['ports.net', '8443']]
  const no: Array<[string, string]> = [['example.com', '8080'], ['.example.com', ''], ['evil-example.com', ''],
    ['sub.exact.org', ''], ['localhost', ''], ['a.ports.net', ''], ['ports.net', '']]
  for (const [h, p] of yes) t.ok(isAllowedHost(h, p, hosts), `${h}:${p}`)
  for (const [h, p] of no) t.notOk(isAllowedHost(h, p, hosts), `${h}:${p}`)
})
