import t from 'tap'
import fc from 'fast-check'
import { compileRedirectPolicy, validateRedirect, MAX_RD_LENGTH } from '../../src/rules/redirect.js'

const policy = compileRedirectPolicy({
  redirectUrl: new URL('https://app.example.com/oauth2/callback'),
  allowedRedirectDomains: ['.example.com', 'exact.org', 'port.org:8080', '[::1]:3000', 'bücher.de'],
  authPrefix: '/oauth2'
})

// Attacks in the spirit of oauth2-proxy's pkg/app/redirect/validator_test.go and
// testdata/openredirects.txt: each one must come back as '/' with the given reason.
const attacks: Array<[string, string | undefined | null, string]> = [
  // missing
  ['empty', '', 'missing'],
  ['undefined', undefined, 'missing'],
  ['null', null, 'missing'],
  // protocol-relative and backslash tricks
  ['double slash', '//evil.com', 'protocol_relative'],
  ['triple slash', '///evil.com', 'protocol_relative'],
  ['quad slash', '////evil.com/', 'protocol_relative'],
  ['slash backslash', '/\\evil.com', 'protocol_relative'],
  ['slash backslash slash', '/\\/evil.com', 'protocol_relative'],
  ['backslash slash', '\\/evil.com', 'not_http_url'],
  ['double backslash', '\\\\evil.com', 'not_http_url'],
  ['backslash later in the path', '/a\\b', 'backslash'],
  ['dot slash backslash', '/./\\evil.com', 'backslash'],
  ['relative subpath backslash', '/./../../\\evil.com', 'backslash'],
  ['dot then empty segment', '/.//evil.com', 'protocol_relative'],
  ['climb then empty segment', '/x/..//evil.com', 'protocol_relative'],
  ['climb above root then empty segment', '/..//evil.com', 'protocol_relative'],
  ['encoded dot then empty segment', '/%2e//evil.com', 'protocol_relative'],
  ['double slash with tab after', '//%09/evil.com', 'protocol_relative'],
  ['double slash with encoded backslash', '//%5cevil.com', 'protocol_relative'],
  // schemes and missing schemes
  ['scheme without slashes', 'https:evil.com', 'not_http_url'],
  ['http with one slash', 'http:/evil.com', 'not_http_url'],
  ['https with slash backslash', 'https:/\\evil.com', 'not_http_url'],
  ['https with backslashes', 'https:\\\\evil.com', 'not_http_url'],
  ['https with backslash after the slashes', 'https://\\evil.com', 'backslash'],
  ['javascript', 'javascript:alert(1)', 'not_http_url'],
  ['mixed-case javascript', 'JaVaScRiPt:alert(1)', 'not_http_url'],
  ['javascript behind a leading space', ' javascript:alert(1)', 'control_or_whitespace'],
  ['javascript with a tab inside', 'java\tscript:alert(1)', 'control_or_whitespace'],
  ['data URL', 'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==', 'not_http_url'],
  ['vbscript', 'vbscript:msgbox(1)', 'not_http_url'],
  ['ftp on our host', 'ftp://app.example.com/', 'not_http_url'],
  ['file URL', 'file:///etc/passwd', 'not_http_url'],
  ['bare host', 'evil.com', 'not_http_url'],
  ['bare allowed host', 'app.example.com/path', 'not_http_url'],
  ['at sign first', '@evil.com', 'not_http_url'],
  ['script fragment', '";alert(0);//', 'not_http_url'],
  ['encoded double slash without leading slash', '%2F%2Fevil.com', 'not_http_url'],
  // control characters and whitespace, raw
  ['tab single slash', '/\t/evil.com', 'control_or_whitespace'],
  ['tab backslash', '/\t\\evil.com', 'control_or_whitespace'],
  ['tab then host', '/\tevil.com', 'control_or_whitespace'],
  ['vertical tab', '/\v/evil.com', 'control_or_whitespace'],
  ['newline', '/\n/evil.com', 'control_or_whitespace'],
  ['carriage return', '/\r/evil.com', 'control_or_whitespace'],
  ['form feed', '/\f/evil.com', 'control_or_whitespace'],
  ['NUL', '/\0/evil.com', 'control_or_whitespace'],
  ['space single slash', '/ /evil.com', 'control_or_whitespace'],
  ['space backslash', '/ \\evil.com', 'control_or_whitespace'],
  ['quad tab', '/\t\t/\t\t\\evil.com', 'control_or_whitespace'],
  ['no-break space', '/\u00a0/evil.com', 'control_or_whitespace'],
  ['ideographic space', '/\u3000/evil.com', 'control_or_whitespace'],
  ['line separator', '/\u2028/evil.com', 'control_or_whitespace'],
  ['zero-width space', '/\u200b/evil.com', 'control_or_whitespace'],
  ['right-to-left override', '/\u202e/moc.live', 'control_or_whitespace'],
  ['byte order mark', '/\ufeff/evil.com', 'control_or_whitespace'],
  ['lone surrogate', '/\ud800', 'control_or_whitespace'],
  ['header injection', '/a\r\nSet-Cookie: x=1', 'control_or_whitespace'],
  ['trailing space', '/dashboard ', 'control_or_whitespace'],
  ['NUL before an absolute URL', '\0https://app.example.com/', 'control_or_whitespace'],
  ['tab inside an allowed host', 'https://app.example.com\t.evil.com/', 'control_or_whitespace'],
  // percent-encoded, at any depth
  ['encoded double slash', '/%2F%2Fevil.com', 'protocol_relative'],
  ['encoded lower-case double slash', '/%2f/evil.com', 'protocol_relative'],
  ['double-encoded double slash', '/%252F%252Fevil.com', 'protocol_relative'],
  ['triple-encoded double slash', '/%25252F%25252Fevil.com', 'protocol_relative'],
  ['encoded backslash', '/%5Cevil.com', 'protocol_relative'],
  ['encoded lower-case backslash', '/%5cevil.com', 'protocol_relative'],
  ['double-encoded backslash', '/%255Cevil.com', 'protocol_relative'],
  ['encoded backslash later', '/a/%5Cb', 'backslash'],
  ['encoded tab', '/%09/evil.com', 'control_or_whitespace'],
  ['encoded newline', '/%0a/evil.com', 'control_or_whitespace'],
  ['encoded CRLF', '/%0d%0aSet-Cookie:x', 'control_or_whitespace'],
  ['encoded NUL', '/%00/evil.com', 'control_or_whitespace'],
  ['encoded space', '/%20/evil.com', 'control_or_whitespace'],
  ['encoded no-break space', '/%C2%A0/evil.com', 'control_or_whitespace'],
  ['encoded ideographic space', '/%E3%80%80/evil.com', 'control_or_whitespace'],
  ['double-encoded tab', '/%2509/evil.com', 'control_or_whitespace'],
  ['overlong UTF-8 slash', '/%C0%AF/evil.com', 'malformed_escape'],
  ['bare percent', '/100%', 'malformed_escape'],
  ['deep encoding', `/%${'25'.repeat(12)}2F`, 'too_deeply_encoded'],
  ['encoded slash, encoded host', '/%2f%5c%2f%67%6f%6f%67%6c%65%2e%63%6f%6d/', 'protocol_relative'],
  // never into authPrefix
  ['start', '/oauth2/start', 'auth_prefix'],
  ['prefix alone', '/oauth2', 'auth_prefix'],
  ['prefix with slash', '/oauth2/', 'auth_prefix'],
  ['prefix with query', '/oauth2?rd=/x', 'auth_prefix'],
  ['prefix with fragment', '/oauth2#x', 'auth_prefix'],
  ['sign_out', '/oauth2/sign_out', 'auth_prefix'],
  ['upper case', '/OAUTH2/start', 'auth_prefix'],
  ['mixed case', '/OAuth2/sign_out', 'auth_prefix'],
  ['dot segment', '/./oauth2/start', 'auth_prefix'],
  ['climb', '/x/../oauth2/sign_out', 'auth_prefix'],
  ['climb above root', '/../oauth2/start', 'auth_prefix'],
  ['encoded climb', '/%2e%2e/oauth2/start', 'auth_prefix'],
  ['encoded dot', '/%2e/oauth2/start', 'auth_prefix'],
  ['encoded climb after a segment', '/x/%2E%2E/oauth2/callback', 'auth_prefix'],
  ['encoded separator', '/oauth2%2Fstart', 'auth_prefix'],
  ['encoded letter', '/%6Fauth2/start', 'auth_prefix'],
  ['double-encoded letter', '/%256Fauth2/start', 'auth_prefix'],
  ['absolute into the prefix', 'https://app.example.com/oauth2/start', 'auth_prefix'],
  ['absolute into the prefix, dot segment', 'https://app.example.com/./oauth2/sign_out', 'auth_prefix'],
  ['absolute into the prefix, encoded climb', 'https://app.example.com/x/%2e%2e/oauth2/start', 'auth_prefix'],
  ['absolute into the prefix on another allowed host', 'https://other.example.com/OAUTH2/start', 'auth_prefix'],
  ['absolute with an encoded double slash', 'https://app.example.com/%2F%2Fevil.com', 'protocol_relative'],
  // userinfo and authority confusion
  ['userinfo', 'https://app.example.com@evil.com', 'userinfo'],
  ['userinfo with port', 'https://app.example.com:443@evil.com/', 'userinfo'],
  ['userinfo with password', 'https://user:pass@app.example.com/', 'userinfo'],
  ['empty userinfo', 'https://@app.example.com/', 'userinfo'],
  ['userinfo on an allowed port', 'http://[::1]:3000@evil.com/', 'userinfo'],
  ['userinfo with plus', 'http://app.example.com+&@evil.com#+@app.example.com/', 'userinfo'],
  ['encoded at sign in the host', 'http://evil.com%40app.example.com/', 'malformed_url'],
  ['fragment hides the host', 'https://evil.com#@app.example.com', 'host_not_allowed'],
  ['query hides the host', 'https://evil.com?@app.example.com', 'host_not_allowed'],
  ['port and fragment', 'http://evil.com:80#@app.example.com/', 'host_not_allowed'],
  ['backslash before at', 'https://evil.com\\@app.example.com', 'backslash'],
  ['fragment names the domain', 'https://evil.com/#.example.com', 'host_not_allowed'],
  ['encoded dot joins hosts', 'https://example.com%2eevil.com/', 'host_not_allowed'],
  ['encoded slash in the host', 'https://evil.com%2f.example.com/', 'malformed_url'],
  ['encoded hash in the host', 'https://evil.com%23.example.com/', 'malformed_url'],
  ['encoded NUL in the host', 'https://app.example.com%00.evil.com/', 'malformed_url'],
  ['fullwidth solidus in the host', 'https://evil.com\uff0f.example.com/', 'malformed_url'],
  ['empty port', 'https://evil.com:/', 'host_not_allowed'],
  // look-alike domains
  ['not allowed', 'https://evil.com/', 'host_not_allowed'],
  ['upper-case not allowed', 'HTTPS://EVIL.COM/', 'host_not_allowed'],
  ['hyphen look-alike', 'https://evil-example.com/', 'host_not_allowed'],
  ['no-dot look-alike', 'https://evilexample.com/', 'host_not_allowed'],
  ['allowed domain as a prefix', 'https://example.com.evil.com/', 'host_not_allowed'],
  ['our host as a prefix', 'https://app.example.com.evil.com/', 'host_not_allowed'],
  ['shorter TLD', 'https://example.co/', 'host_not_allowed'],
  ['trailing dot', 'https://app.example.com./', 'host_not_allowed'],
  ['trailing dot on an exact host', 'https://exact.org./', 'host_not_allowed'],
  ['subdomain of an exact host', 'https://sub.exact.org/', 'host_not_allowed'],
  ['prefix of an exact host', 'https://xexact.org/', 'host_not_allowed'],
  ['exact host as a prefix', 'https://exact.org.evil.com/', 'host_not_allowed'],
  ['empty first label', 'https://.example.com/', 'host_not_allowed'],
  ['Cyrillic a', 'https://ex\u0430mple.com/', 'host_not_allowed'],
  ['Cyrillic o in an exact host', 'https://exact.\u043erg/', 'host_not_allowed'],
  ['punycode look-alike', 'https://xn--exmple-4nf.com/', 'host_not_allowed'],
  ['German sharp s look-alike of an IDN', 'https://b\u00fccher.com/', 'host_not_allowed'],
  // ports
  ['other port on an exact host', 'https://exact.org:8443/', 'host_not_allowed'],
  ['other port on a subdomain', 'https://app.example.com:8443/', 'host_not_allowed'],
  ['missing port', 'https://port.org/', 'host_not_allowed'],
  ['wrong port', 'http://port.org:9090/', 'host_not_allowed'],
  // IP literals
  ['IPv4', 'http://127.0.0.1/', 'host_not_allowed'],
  ['IPv4 as one number', 'http://2130706433/', 'host_not_allowed'],
  ['IPv4 in hex', 'http://0xd83ad6ce/', 'host_not_allowed'],
  ['IPv4 octal dotted', 'http://0330.072.0326.0316/', 'host_not_allowed'],
  ['IPv6 without the allowed port', 'http://[::1]/', 'host_not_allowed'],
  ['IPv6 on another port', 'http://[::1]:3001/', 'host_not_allowed'],
  ['IPv4-mapped IPv6', 'http://[::ffff:127.0.0.1]/', 'host_not_allowed'],
  ['invalid IPv4', 'http://472.314.470.462/', 'malformed_url'],
  ['unterminated IPv6', 'http://[::1/', 'malformed_url'],
  // size
  ['very long path', `/${'a'.repeat(MAX_RD_LENGTH)}`, 'too_long'],
  ['very long URL', `https://app.example.com/${'a'.repeat(MAX_RD_LENGTH)}`, 'too_long']
]

t.test('attacks become /', async (t) => {
  t.ok(attacks.length >= 60, `${attacks.length} attacks tabled`)
  for (const [name, raw, reason] of attacks) {
    t.same(validateRedirect(raw, policy), { rd: '/', ok: false, reason }, name)
  }
})

// Legitimate targets: [name, input, expected rd]
const allowed: Array<[string, string, string]> = [
  ['root', '/', '/'],
  ['path', '/dashboard', '/dashboard'],
  ['query and fragment kept', '/a/b?c=d&e=f#frag', '/a/b?c=d&e=f#frag'],
  ['encoded space in the query', '/search?q=a%20b', '/search?q=a%20b'],
  ['plus in the query', '/search?q=a+b', '/search?q=a+b'],
  ['double slash in the query', '/?next=//evil.com', '/?next=//evil.com'],
  ['double slash in the fragment', '/#//evil.com', '/#//evil.com'],
  ['encoded slash inside a segment', '/a%2Fb', '/a%2Fb'],
  ['percent-encoded UTF-8', '/%E6%96%87', '/%E6%96%87'],
  ['raw UTF-8 gets encoded', '/docs/\u6587\u6863?q=\u4e2d', '/docs/%E6%96%87%E6%A1%A3?q=%E4%B8%AD'],
  ['astral character gets encoded', '/\u{1F600}', '/%F0%9F%98%80'],
  ['division slash stays a path', '/\u2215evil.com', '/%E2%88%95evil.com'],
  ['fullwidth solidus stays a path', '/\uff0fevil.com', '/%EF%BC%8Fevil.com'],
  ['a path that looks like a URL stays a path', '/https://evil.com', '/https://evil.com'],
  ['javascript as a path', '/javascript:alert(1)', '/javascript:alert(1)'],
  ['name that only starts like the prefix', '/oauth2x', '/oauth2x'],
  ['prefix deeper in the path', '/x/oauth2/start', '/x/oauth2/start'],
  ['dots that are not segments', '/a..b/.c', '/a..b/.c'],
  ['climb that stays inside', '/a/b/../c', '/a/b/../c'],
  ['redirectUrl host', 'https://app.example.com/x?y=1#z', 'https://app.example.com/x?y=1#z'],
  ['upper-case scheme and host', 'HTTPS://APP.EXAMPLE.COM/X', 'https://app.example.com/X'],
  ['explicit default port', 'https://app.example.com:443/', 'https://app.example.com/'],
  ['no path', 'https://app.example.com', 'https://app.example.com/'],
  ['http on an allowed host', 'http://app.example.com/', 'http://app.example.com/'],
  ['the dotted domain itself', 'https://example.com/', 'https://example.com/'],
  ['a deep subdomain', 'https://a.b.example.com/', 'https://a.b.example.com/'],
  ['exact host', 'http://exact.org/p', 'http://exact.org/p'],
  ['host with its port', 'https://port.org:8080/', 'https://port.org:8080/'],
  ['IPv6 with its port', 'http://[::1]:3000/', 'http://[::1]:3000/'],
  ['IDN host in Unicode', 'https://b\u00fccher.de/', 'https://xn--bcher-kva.de/'],
  ['IDN host in punycode', 'https://xn--bcher-kva.de/', 'https://xn--bcher-kva.de/'],
  ['fullwidth letters map to ASCII', 'https://\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45.com/', 'https://example.com/'],
  ['absolute path that only starts like the prefix', 'https://app.example.com/oauth2x', 'https://app.example.com/oauth2x'],
  ['at sign in an absolute path', 'https://app.example.com/@evil.com', 'https://app.example.com/@evil.com'],
  ['longest allowed', `/${'a'.repeat(MAX_RD_LENGTH - 1)}`, `/${'a'.repeat(MAX_RD_LENGTH - 1)}`]
]

t.test('legitimate targets pass', async (t) => {
  for (const [name, raw, rd] of allowed) {
    t.same(validateRedirect(raw, policy), { rd, ok: true }, name)
  }
})

t.test('redirectUrl with a port allows exactly that host and port', async (t) => {
  const local = compileRedirectPolicy({
    redirectUrl: new URL('http://localhost:4180/oauth2/callback'),
    allowedRedirectDomains: [],
    authPrefix: '/oauth2'
  })
  t.ok(validateRedirect('http://localhost:4180/x', local).ok)
  t.notOk(validateRedirect('http://localhost/x', local).ok)
  t.notOk(validateRedirect('http://localhost:4181/x', local).ok)
  t.notOk(validateRedirect('https://app.example.com/', local).ok)
})

t.test('authPrefix is compared without its trailing slash', async (t) => {
  const custom = compileRedirectPolicy({
    redirectUrl: new URL('https://app.example.com/auth/callback'),
    allowedRedirectDomains: [],
    authPrefix: '/Auth/'
  })
  t.same(validateRedirect('/auth/start', custom), { rd: '/', ok: false, reason: 'auth_prefix' })
  t.same(validateRedirect('/auth', custom), { rd: '/', ok: false, reason: 'auth_prefix' })
  t.same(validateRedirect('/authx', custom), { rd: '/authx', ok: true })
  t.same(validateRedirect('/oauth2/start', custom), { rd: '/oauth2/start', ok: true })
})

// Every form the string takes when decoded again and again, as a careless upstream would.
function decodings (s: string): string[] {
  const out = [s]
  let current = s
  for (let i = 0; i < 20; i++) {
    // lenient: ASCII escapes only, so invalid UTF-8 elsewhere cannot stop the search
    const next = current.replace(/%([0-7][0-9A-Fa-f])/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
    if (next === current) break
    out.push(next)
    current = next
  }
  return out
}

function isAllowedHostOracle (url: URL): boolean {
  const h = url.hostname
  if (url.port === '') {
    return h === 'app.example.com' || h === 'example.com' || (h.endsWith('.example.com') && h !== '.example.com') ||
      h === 'exact.org' || h === 'xn--bcher-kva.de'
  }
  return (h === 'port.org' && url.port === '8080') || (h === '[::1]' && url.port === '3000')
}

function assertSafe (raw: string): boolean {
  const r = validateRedirect(raw, policy)
  if (!r.ok) return r.rd === '/' && r.reason !== undefined
  if (/[\p{C}\p{Z}]/u.test(r.rd)) return false
  if (r.rd.startsWith('/')) {
    const path = r.rd.split(/[?#]/)[0] as string
    return decodings(path).every((d) => !d.startsWith('//') && !d.startsWith('/\\') && !d.includes('\\') &&
      !/^\/oauth2(?:\/|$)/i.test(d))
  }
  const url = new URL(r.rd)
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.username === '' &&
    url.password === '' && isAllowedHostOracle(url) && !/^\/oauth2(?:\/|$)/i.test(url.pathname)
}

const risky = fc.array(fc.constantFrom(
  '/', '\\', '%', '%2F', '%2f', '%5C', '%5c', '%25', '%2e', '%2E', '.', '..', '@', ':', '?', '#',
  'evil.com', 'app.example.com', 'example.com', 'exact.org', 'port.org:8080', 'https:', 'http://',
  'https://', '//', '\t', ' ', '\u3000', '%09', '%20', 'oauth2', 'OAuth2', 'start', 'a', '0', '2F', '5C'
), { maxLength: 12 }).map((parts) => parts.join(''))

t.test('property: a validated rd is / , a safe path or an allowed absolute URL', async () => {
  fc.assert(fc.property(risky, assertSafe), { numRuns: 20000 })
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 40 }), assertSafe), { numRuns: 5000 })
  fc.assert(fc.property(fc.webUrl({ withQueryParameters: true, withFragments: true }), assertSafe), { numRuns: 3000 })
  fc.assert(fc.property(fc.webPath().map((p) => `/${p}`), assertSafe), { numRuns: 3000 })
})

t.test('property: validating the result again gives the same result', async () => {
  fc.assert(fc.property(fc.oneof(risky, fc.webUrl(), fc.webPath().map((p) => `/${p}`)), (raw) => {
    const first = validateRedirect(raw, policy)
    return validateRedirect(first.rd, policy).rd === first.rd
  }), { numRuns: 10000 })
})

t.test('property: plain paths pass unchanged', async () => {
  const segment = fc.stringMatching(/^[A-Za-z0-9_~-][A-Za-z0-9._~-]{0,8}$/)
  const query = fc.stringMatching(/^[A-Za-z0-9=&%/+._-]{0,20}$/)
  fc.assert(fc.property(fc.array(segment, { maxLength: 6 }), fc.option(query), (segments, q) => {
    fc.pre(segments[0] === undefined || !/^oauth2$/i.test(segments[0]))
    const raw = `/${segments.join('/')}${q === null ? '' : `?${q}`}`
    const r = validateRedirect(raw, policy)
    return r.ok && r.rd === raw
  }), { numRuns: 5000 })
})
