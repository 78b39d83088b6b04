import t from 'tap'
import fc from 'fast-check'
import { isForwardAuthTarget, normalizePath } from '../../src/rules/path.js'

// [raw target, path, search]
const normalized: Array<[string, string, string]> = [
  ['/', '/', ''],
  ['/a/b', '/a/b', ''],
  ['/a/b/', '/a/b/', ''],
  ['//a//b//', '/a/b/', ''],
  ['////', '/', ''],
  ['/a/./b', '/a/b', ''],
  ['/a/../b', '/b', ''],
  ['/a/b/..', '/a/', ''],
  ['/a/b/../', '/a/', ''],
  ['/a/.', '/a/', ''],
  ['/a/..', '/', ''],
  ['/.', '/', ''],
  ['/./', '/', ''],
  ['/a/%2e/b', '/a/b', ''],
  ['/a/%2E%2E/b', '/b', ''],
  ['/a/.%2e/b', '/b', ''],
  ['/a/%2e./b', '/b', ''],
  ['/a/b/%2E%2e', '/a/', ''],
  ['/a%2Fb', '/a%2Fb', ''],
  ['/a%2fb', '/a%2Fb', ''],
  ['/a%5cb', '/a%5Cb', ''],
  ['/a/%2F/b', '/a/%2F/b', ''],
  ['/%61dmin', '/admin', ''],
  ['/%41%42%7e%2D%5F', '/AB~-_', ''],
  ['/a%20b', '/a%20b', ''],
  ['/a%3bb', '/a%3Bb', ''],
  ['/%e6%96%87', '/%E6%96%87', ''],
  ['/%252e%252e/x', '/%252e%252e/x', ''],
  ['/caf\u00e9', '/caf%E9', ''],
  ['/\u0080\u00ff', '/%80%FF', ''],
  ['/a;b/c', '/a;b/c', ''],
  ['/a;jsessionid=1', '/a;jsessionid=1', ''],
  ['/public;/../admin', '/admin', ''],
  ['/a/...', '/a/...', ''],
  ['/a/..b/b..', '/a/..b/b..', ''],
  ['/%2e%2e%2e', '/...', ''],
  ['/a/b%2e', '/a/b.', ''],
  ['/.well-known/x', '/.well-known/x', ''],
  ['/a/.hidden', '/a/.hidden', ''],
  ["/!$&'()*+,;=:@", "/!$&'()*+,;=:@", ''],
  ['/a"<>`{}|^[]', '/a"<>`{}|^[]', ''],
  ['/a?x=1', '/a', '?x=1'],
  ['/a?', '/a', '?'],
  ['/a?x=/../b', '/a', '?x=/../b'],
  ['/a?X=%2f%zz\\', '/a', '?X=%2f%zz\\'],
  ['/a/../b?c', '/b', '?c'],
  ['/a#frag', '/a', ''],
  ['/a?x#y', '/a', '?x'],
  ['/a#y?z', '/a', ''],
  ['/a/..#/../..', '/', ''],
  ['http://host/a/b?x', '/a/b', '?x'],
  ['HTTPS://host', '/', ''],
  ['http://host?x', '/', '?x'],
  ['http://user@host:8080/a/../b', '/b', ''],
  ['http://host//a', '/a', '']
]

t.test('normalized paths', async (t) => {
  for (const [raw, path, search] of normalized) {
    t.same(normalizePath(raw), { ok: true, path, search }, JSON.stringify(raw))
  }
})

const refused: Array<[string, string]> = [
  ['', 'not_origin_form'],
  ['*', 'not_origin_form'],
  ['a/b', 'not_origin_form'],
  ['http:/a', 'not_origin_form'],
  ['ftp://host/a', 'not_origin_form'],
  ['\\a', 'not_origin_form'],
  ['?x', 'not_origin_form'],
  ['/..', 'above_root'],
  ['/../a', 'above_root'],
  ['/a/../../b', 'above_root'],
  ['/%2e%2e', 'above_root'],
  ['/%2E%2E/', 'above_root'],
  ['/.%2E/x', 'above_root'],
  ['//..', 'above_root'],
  ['/a/./../..', 'above_root'],
  ['http://host/../x', 'above_root'],
  ['/a\\b', 'backslash'],
  ['/\\', 'backslash'],
  ['/\\evil.com', 'backslash'],
  ['/a\0b', 'nul'],
  ['/a%00b', 'nul'],
  ['/a%zz', 'malformed_escape'],
  ['/a%', 'malformed_escape'],
  ['/a%2', 'malformed_escape'],
  ['/%%41', 'malformed_escape'],
  ['/a%2g', 'malformed_escape'],
  ['/a b', 'invalid_character'],
  ['/a\tb', 'invalid_character'],
  ['/a\x7f', 'invalid_character'],
  ['/a\r\nb', 'invalid_character'],
  ['/a\u0100', 'invalid_character'],
  ['/\u{1F600}', 'invalid_character'],
  ['/public/..;/admin', 'dot_segment_parameter'],
  ['/..;/x', 'dot_segment_parameter'],
  ['/public/.;/x', 'dot_segment_parameter'],
  ['/public/..;x=1/admin', 'dot_segment_parameter'],
  ['/public/..%3B/admin', 'dot_segment_parameter'],
  ['/public/..%3bx/admin', 'dot_segment_parameter'],
  ['/public/%2e%2e;/admin', 'dot_segment_parameter'],
  ['/public/..%2Fadmin', 'encoded_dot_segment'],
  ['/public/..%2fadmin', 'encoded_dot_segment'],
  ['/public/%2e%2e%2fadmin', 'encoded_dot_segment'],
  ['/x%2F..%2Fadmin', 'encoded_dot_segment'],
  ['/x%5C..', 'encoded_dot_segment'],
  ['/..%5Cadmin', 'encoded_dot_segment'],
  ['/public/.%2F/admin', 'encoded_dot_segment'],
  ['/public/x%2F..;/admin', 'dot_segment_parameter']
]

t.test('refused targets', async (t) => {
  for (const [raw, reason] of refused) {
    t.same(normalizePath(raw), { ok: false, reason }, JSON.stringify(raw))
  }
})

// An independent model for targets made only of plain names and dot segments.
function model (segments: string[]): string | undefined {
  const stack: string[] = []
  for (const s of segments) {
    if (s === '..') {
      if (stack.pop() === undefined) return undefined
    } else if (s !== '.' && s !== '') {
      stack.push(s)
    }
  }
  const last = segments[segments.length - 1]
  const trailing = stack.length > 0 && (last === '' || last === '.' || last === '..')
  return `/${stack.join('/')}${trailing ? '/' : ''}`
}

const risky = fc.array(fc.constantFrom(
  '/', '//', '.', '..', '%2e', '%2E', '%2F', '%2f', '%5C', '%25', '%', '%00', ';', '%3B', 'a', 'B', '~',
  '%41', '%7e', '\\', '?', '#', '\u00e9', ' ', '\u0100', 'x', '-', 'http://h'
), { maxLength: 14 }).map((parts) => parts.join(''))

const anyTarget = fc.oneof(
  risky,
  risky.map((s) => `/${s}`),
  fc.string({ unit: 'binary', maxLength: 30 }).map((s) => `/${s}`),
  fc.webPath().map((p) => `/${p}`),
  fc.webUrl({ withQueryParameters: true })
)

t.test('property: idempotent, never climbs, no dot or empty segments, printable ASCII', async () => {
  fc.assert(fc.property(anyTarget, (raw) => {
    const r = normalizePath(raw)
    if (!r.ok) return true
    const again = normalizePath(r.path)
    return again.ok && again.path === r.path && again.search === '' &&
      r.path.startsWith('/') &&
      !r.path.includes('/../') && !r.path.includes('/./') && !r.path.includes('//') &&
      !r.path.endsWith('/..') && !r.path.endsWith('/.') &&
      /^[\x21-\x7E]+$/.test(r.path) && !r.path.includes('\\') &&
      !/%(?![0-9A-F]{2})/.test(r.path) && !/%(?:2E|3[0-9]|[46][1-9A-F]|[57][0-9A]|5F|7E|2D)/.test(r.path)
  }), { numRuns: 20000 })
})

t.test('property: query is returned untouched', async () => {
  fc.assert(fc.property(risky, fc.string({ maxLength: 20 }), (path, query) => {
    fc.pre(!query.includes('#'))
    const r = normalizePath(`/${path.replace(/[?#]/g, '')}?${query}`)
    return !r.ok || r.search === `?${query}`
  }), { numRuns: 5000 })
})

t.test('property: dot segments resolve like an independent model', async () => {
  const segment = fc.constantFrom('', '.', '..', 'a', 'b', 'cd', '%2e', '.%2E', '%2e%2e')
  fc.assert(fc.property(fc.array(segment, { minLength: 1, maxLength: 10 }), (segments) => {
    const r = normalizePath(`/${segments.join('/')}`)
    const expected = model(segments.map((s) => s.replace(/%2e/gi, '.')))
    return expected === undefined ? (!r.ok && r.reason === 'above_root') : (r.ok && r.path === expected)
  }), { numRuns: 10000 })
})

// §6 (Envoy ext_authz appends the original path): [raw target, forward-auth before normalization]
const forwardAuthTargets: Array<[string, boolean]> = [
  ['/oauth2/auth', true],
  ['/oauth2/auth?x=1', true],
  ['/oauth2/auth#x', true],
  ['/oauth2/auth/', true],
  ['/oauth2/auth/x', true],
  ['/oauth2/auth/../sign_in', true],
  ['/oauth2/auth/x/../../jwks.json', true],
  ['/oauth2/auth/../../healthz', true],
  ['/oauth2/auth/../../public/x', true],
  ['/oauth2/auth/%2e%2e/sign_in', true],
  ['/oauth2/auth//traefik', true],
  ['/oauth2/auth/traefik/', true],
  ['/oauth2/auth/traefik/../../public', true],
  ['/oauth2/auth/traefikx', true],
  ['/oauth2/auth/traefik/x', true],
  // exactly Traefik's endpoint
  ['/oauth2/auth/traefik', false],
  ['/oauth2/auth/traefik?rd=1', false],
  ['/oauth2/auth/traefik#x', false],
  // not the forward-auth path, literally
  ['/oauth2/authx', false],
  ['/oauth2/auth.json', false],
  ['/oauth2/sign_in', false],
  ['/oauth2//auth/x', false],
  ['/OAUTH2/auth/x', false],
  ['/oauth2/%61uth/x', false],
  ['/x/oauth2/auth', false],
  ['/oauth2', false],
  ['/', false],
  ['http://h/oauth2/auth/../x', false]
]

t.test('forward-auth targets are recognised on the raw path', async (t) => {
  for (const [raw, expected] of forwardAuthTargets) {
    t.equal(isForwardAuthTarget(raw, '/oauth2'), expected, raw)
  }
  t.equal(isForwardAuthTarget('/id/auth/../x', '/id'), true, 'another authPrefix')
  t.equal(isForwardAuthTarget('/oauth2/auth/../x', '/id'), false)
  t.equal(isForwardAuthTarget('/a/b/auth/traefik', '/a/b'), false)
})

t.test('property: any path under <authPrefix>/auth/ is forward-auth, except Traefik\'s exact path', async () => {
  fc.assert(fc.property(fc.string({ maxLength: 30 }), (rest) => {
    const raw = `/oauth2/auth/${rest}`
    const path = raw.split(/[?#]/)[0]
    return isForwardAuthTarget(raw, '/oauth2') === (path !== '/oauth2/auth/traefik')
  }), { numRuns: 5000 })
})
