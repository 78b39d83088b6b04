import t from 'tap'
import fc from 'fast-check'
import {
  compileHeaderStripPolicy, isSpoofableHeaderName, removeCookies, stripClientHeaders, type HeaderMap
} from '../../src/rules/header-strip.js'

t.test('spoofable names: case-insensitive, _ read as -', async (t) => {
  const spoofable = [
    'X-User-Id', 'x-user-id', 'X_User_Id', 'x_user-email', 'X-USER-BALANCE', 'x-user-name', 'x-user-quota',
    'X-User-Used-Quota', 'x-user-', 'X-User-Anything-New', 'x-access-token', 'X_ACCESS_TOKEN', 'X-Access_Token',
    'x-auth-assertion', 'X_AUTH_ASSERTION', 'x-auth-request-user', 'X_Auth_Request_Email',
    'x-auth-request-access-token', 'X-AUTH-REQUEST-GROUPS'
  ]
  const kept = [
    'x-user', 'x-users', 'x-userid', 'user-id', 'xx-user-id', ' x-user-id', 'x-access-tokens',
    'x-access-token-2', 'x-auth-assertions', 'x-auth-requested', 'x-auth-request', 'x-forwarded-for',
    'x-forwarded-user', 'X_Forwarded_Proto', 'forwarded', 'authorization', 'cookie', 'x-request-id',
    'x-real-ip', 'accept', 'x', ''
  ]
  for (const name of spoofable) t.ok(isSpoofableHeaderName(name), name)
  for (const name of kept) t.notOk(isSpoofableHeaderName(name), JSON.stringify(name))
})

const names = new Set(['__Host-_aihubmix_auth', '_aihubmix_auth_state'])

t.test('removeCookies', async (t) => {
  const cases: Array<[string, string | undefined, string]> = [
    ['a=1; b=2', 'a=1; b=2', 'none of ours: unchanged'],
    ['a=1;b=2 ;  c=3', 'a=1;b=2 ;  c=3', 'none of ours: unchanged byte for byte'],
    ['__Host-_aihubmix_auth=t', undefined, 'only ours: nothing left'],
    ['__Host-_aihubmix_auth=t; _aihubmix_auth_state=s', undefined, 'both of ours'],
    ['a=1; __Host-_aihubmix_auth=t; b=2', 'a=1; b=2', 'ours in the middle'],
    ['__Host-_aihubmix_auth=t;a=1', 'a=1', 'ours first, no space'],
    ['a=1;__Host-_aihubmix_auth=t', 'a=1', 'ours last'],
    ['b=2; a=1; _aihubmix_auth_state=s; c=x=y', 'b=2; a=1; c=x=y', 'order and values kept'],
    ['  __Host-_aihubmix_auth =t ; a=1', 'a=1', 'whitespace around a name, as browsers trim it'],
    ['__Host-_aihubmix_auth=1; __Host-_aihubmix_auth=2; a=1', 'a=1', 'duplicates all removed'],
    ['__host-_aihubmix_auth=t; a=1', '__host-_aihubmix_auth=t; a=1', 'names are case-sensitive'],
    ['__Host-_aihubmix_auth2=t', '__Host-_aihubmix_auth2=t', 'a longer name is not ours'],
    ['x__Host-_aihubmix_auth=t', 'x__Host-_aihubmix_auth=t', 'a prefixed name is not ours'],
    ['__Host-_aihubmix_auth', '__Host-_aihubmix_auth', 'a pair without = has an empty name'],
    ['a=1;; ;__Host-_aihubmix_auth=t', 'a=1', 'empty pairs dropped when rewriting'],
    ['', undefined, 'empty header: nothing left'],
    [' ; ', undefined, 'only separators: nothing left'],
    ['a="q;x"; __Host-_aihubmix_auth=t', 'a="q; x"', 'a quoted ; splits like browsers and cookie parsers do']
  ]
  for (const [input, expected, name] of cases) t.equal(removeCookies(input, names), expected, name)
})

t.test('stripClientHeaders', async (t) => {
  const policy = compileHeaderStripPolicy({ cookieNames: [...names] })
  const headers: HeaderMap = {
    host: 'app.example.com',
    'x-user-id': '1',
    x_user_email: 'a@evil.com',
    'X-Auth-Request-User': 'root',
    'x-access-token': 't',
    'x-auth-assertion': 'jws',
    'x-forwarded-for': '1.2.3.4',
    'x-forwarded-proto': 'https',
    forwarded: 'for=1.2.3.4',
    authorization: 'Bearer abc',
    cookie: 'theme=dark; __Host-_aihubmix_auth=ticket; lang=zh',
    accept: 'text/html',
    'x-empty': undefined
  }
  stripClientHeaders(headers, policy)
  t.same(headers, {
    host: 'app.example.com',
    'x-forwarded-for': '1.2.3.4',
    'x-forwarded-proto': 'https',
    forwarded: 'for=1.2.3.4',
    authorization: 'Bearer abc',
    cookie: 'theme=dark; lang=zh',
    accept: 'text/html',
    'x-empty': undefined
  })
})

t.test('stripClientHeaders: cookie in any case, as an array, or left empty', async (t) => {
  const policy = compileHeaderStripPolicy({ cookieNames: [...names] })
  const a: HeaderMap = { Cookie: '__Host-_aihubmix_auth=t' }
  stripClientHeaders(a, policy)
  t.same(a, {}, 'deleted when nothing remains')
  const b: HeaderMap = { COOKIE: ['a=1', '_aihubmix_auth_state=s; b=2'] }
  stripClientHeaders(b, policy)
  t.same(b, { COOKIE: 'a=1; b=2' }, 'several Cookie headers read as one')
  const c: HeaderMap = { cookie: 'a=1' }
  stripClientHeaders(c, policy)
  t.same(c, { cookie: 'a=1' }, 'untouched')
  const d: HeaderMap = { cookie: undefined }
  stripClientHeaders(d, policy)
  t.same(d, { cookie: undefined }, 'undefined value left alone')
})

t.test('property: no spoofable header and none of our cookies survive; the rest is intact', async () => {
  const policy = compileHeaderStripPolicy({ cookieNames: [...names] })
  const headerName = fc.oneof(
    fc.constantFrom('x-user-id', 'X_USER_ID', 'x-access-token', 'X_Auth_Assertion', 'x-auth-request-x', 'accept', 'x-forwarded-for'),
    fc.stringMatching(/^[A-Za-z_-]{1,20}$/).filter((n) => n.toLowerCase() !== 'cookie')
  )
  const cookiePair = fc.oneof(
    fc.constantFrom(...names).map((n) => `${n}=v`),
    fc.stringMatching(/^[a-z]{1,6}=[a-z0-9]{0,6}$/)
  )
  fc.assert(fc.property(fc.dictionary(headerName, fc.string({ maxLength: 5 })), fc.array(cookiePair, { maxLength: 6 }), (dict, pairs) => {
    const headers: HeaderMap = { ...dict, cookie: pairs.join('; ') }
    const before = { ...headers }
    stripClientHeaders(headers, policy)
    for (const [name, value] of Object.entries(before)) {
      if (name === 'cookie') continue
      if (isSpoofableHeaderName(name) ? name in headers : headers[name] !== value) return false
    }
    const expected = pairs.filter((p) => !names.has(p.split('=')[0] as string))
    return expected.length === 0 ? !('cookie' in headers) : headers.cookie === expected.join('; ')
  }), { numRuns: 5000 })
})

t.test('cookies under a stripped prefix are removed, others kept', async (t) => {
  const policy = compileHeaderStripPolicy({ cookieNames: ['__Host-s'], cookiePrefixes: ['__Host-s_st_'] })
  const headers: Record<string, string | string[] | undefined> = { cookie: 'a=1; __Host-s_st_abc=x; __Host-s=y; __Host-s_stX=2; __Host-s_st_def=z' }
  stripClientHeaders(headers, policy)
  t.equal(headers.cookie, 'a=1; __Host-s_stX=2')
  const only: Record<string, string | string[] | undefined> = { cookie: '__Host-s_st_abc=x' }
  stripClientHeaders(only, policy)
  t.equal(only.cookie, undefined)
})
