// Hostile payloads against the validators (STYLE §3.5, oauth4webapi's test/refresh_token.test.ts):
// pure functions, no network. Every case names the error code it must produce.
import t from 'tap'
import {
  DEFAULT_EXPIRES_IN,
  parseAppResponse,
  parseErrorBody,
  parseTokenResponse,
  parseTopupResponse,
  parseUserinfoResponse,
  type ProviderResponse
} from '../../src/provider/responses.js'
import { isGrantInvalid, isProviderRejected, isProviderUnavailable } from '../../src/provider/failure.js'

const BAD = 'AAP_ERR_PROVIDER_BAD_RESPONSE'
const UNAVAILABLE = 'AAP_ERR_PROVIDER_UNAVAILABLE'
const REJECTED = 'AAP_ERR_PROVIDER_REJECTED'
const GRANT = 'AAP_ERR_PROVIDER_GRANT_INVALID'

// Marker planted in hostile payloads: it must never surface in an error.
const SECRET = 'SECRET-7f3a'

interface Case {
  name: string
  body: unknown
  status?: number
  contentType?: string | undefined
  code: string
  match?: Record<string, unknown>
}

function res (body: unknown, status = 200, ...type: [string | undefined] | []): ProviderResponse {
  const contentType = type.length === 0 ? 'application/json' : type[0]
  return { status, contentType, body: typeof body === 'string' ? body : JSON.stringify(body) }
}

function runTable (parse: (r: ProviderResponse) => unknown, endpoint: string, cases: Case[]): void {
  for (const c of cases) {
    t.test(c.name, async (t) => {
      const contentType = 'contentType' in c ? c.contentType : 'application/json'
      let caught: unknown
      try {
        parse(res(c.body, c.status ?? 200, contentType))
      } catch (err) {
        caught = err
      }
      t.match(caught, { code: c.code, endpoint, ...c.match })
      const err = caught as Error
      t.notOk(err.message.includes(SECRET), 'message names no secret')
      t.notOk(JSON.stringify(err).includes(SECRET), 'serialized error names no secret')
    })
  }
}

const goodToken = { access_token: 'at-1', token_type: 'Bearer', expires_in: 7200, refresh_token: 'rt-1', scope: 'profile balance' }

t.test('token: a valid response becomes a TokenSet', async (t) => {
  t.same(parseTokenResponse(res(goodToken)), {
    accessToken: 'at-1', tokenType: 'Bearer', expiresIn: 7200, refreshToken: 'rt-1', scope: 'profile balance'
  })
  t.same(parseTokenResponse(res({ access_token: 'at', token_type: 'bEaReR' }), 'refresh'),
    { accessToken: 'at', tokenType: 'Bearer', expiresIn: DEFAULT_EXPIRES_IN }, 'no rotation: no refreshToken')
  t.same(parseTokenResponse(res({ ...goodToken, expires_in: 0 }, 200, 'application/json; charset=utf-8')).expiresIn, 0)
  t.ok(parseTokenResponse(res(goodToken, 200, 'application/vnd.x+json')))
})

runTable((r) => parseTokenResponse(r), 'token', [
  { name: 'truncated JSON', body: '{"', code: BAD },
  { name: 'empty body', body: '', code: BAD },
  { name: 'null', body: 'null', code: BAD },
  { name: 'array', body: '[]', code: BAD },
  { name: 'string', body: '"str"', code: BAD },
  { name: 'number', body: '42', code: BAD },
  { name: 'deeply nested', body: '['.repeat(200_000), code: BAD },
  { name: 'HTML page', body: '<html>SECRET-7f3a</html>', contentType: 'text/html', code: BAD },
  { name: 'JSON without content type', body: goodToken, contentType: undefined, code: BAD },
  { name: 'JSON as text/plain', body: goodToken, contentType: 'text/plain', code: BAD },
  { name: 'missing access_token', body: { token_type: 'Bearer', refresh_token: SECRET }, code: BAD },
  { name: 'numeric access_token', body: { ...goodToken, access_token: 12345 }, code: BAD },
  { name: 'empty access_token', body: { ...goodToken, access_token: '' }, code: BAD },
  { name: 'access_token with CRLF', body: { ...goodToken, access_token: `${SECRET}\r\nX-Evil: 1` }, code: BAD },
  { name: 'access_token with a space', body: { ...goodToken, access_token: `${SECRET} x` }, code: BAD },
  { name: 'token_type mac', body: { ...goodToken, access_token: SECRET, token_type: 'mac' }, code: BAD },
  { name: 'token_type missing', body: { access_token: SECRET }, code: BAD },
  { name: 'negative expires_in', body: { ...goodToken, expires_in: -1 }, code: BAD },
  { name: 'expires_in overflowing to Infinity', body: '{"access_token":"a","token_type":"Bearer","expires_in":1e400}', code: BAD },
  { name: 'string expires_in', body: { ...goodToken, expires_in: '7200' }, code: BAD },
  { name: 'null expires_in', body: { ...goodToken, expires_in: null }, code: BAD },
  { name: 'numeric refresh_token', body: { ...goodToken, refresh_token: 5 }, code: BAD },
  { name: 'empty refresh_token', body: { ...goodToken, refresh_token: '' }, code: BAD },
  { name: 'array scope', body: { ...goodToken, scope: ['profile'] }, code: BAD },
  { name: 'access_token only on the prototype', body: '{"__proto__":{"access_token":"a","token_type":"Bearer"}}', code: BAD },
  { name: '200 carrying invalid_grant', body: { error: 'invalid_grant' }, code: GRANT },
  { name: '200 carrying success:false', body: { success: false, message: 'no' }, code: REJECTED },
  { name: '400 invalid_grant', status: 400, body: { error: 'invalid_grant', error_description: 'code used' }, code: GRANT, match: { status: 400, error: 'invalid_grant' } },
  { name: '401 invalid_grant', status: 401, body: { error: 'invalid_grant' }, code: GRANT },
  { name: '401 invalid_client', status: 401, body: { error: 'invalid_client' }, code: REJECTED, match: { status: 401, error: 'invalid_client' } },
  { name: '400 invalid_request', status: 400, body: { error: 'invalid_request', error_description: 'd' }, code: REJECTED, match: { errorDescription: 'd' } },
  { name: '400 invalid_scope', status: 400, body: { error: 'invalid_scope' }, code: REJECTED },
  { name: '400 unauthorized_client', status: 400, body: { error: 'unauthorized_client' }, code: REJECTED },
  { name: '400 error code with a quote is not trusted', status: 400, body: { error: 'invalid"grant' }, code: REJECTED, match: { error: undefined } },
  { name: '404 HTML', status: 404, body: '<html>not found</html>', contentType: 'text/html', code: REJECTED, match: { status: 404 } },
  { name: '429', status: 429, body: '', code: UNAVAILABLE, match: { status: 429 } },
  { name: '500 server_error', status: 500, body: { error: 'server_error' }, code: UNAVAILABLE, match: { status: 500, error: 'server_error' } },
  { name: '503 HTML', status: 503, body: '<html>busy</html>', contentType: 'text/html', code: UNAVAILABLE },
  { name: '503 invalid_grant is still an outage', status: 503, body: { error: 'invalid_grant' }, code: UNAVAILABLE },
  { name: '201', status: 201, body: goodToken, code: BAD },
  { name: '204', status: 204, body: '', code: BAD },
  { name: '302', status: 302, body: '', code: BAD }
])

const alice = {
  id: 1001,
  username: 'alice',
  email: 'alice@example.com',
  quota: 10000000,
  used_quota: 2500000,
  balance_formatted: '15.00',
  created_time: 1640995200,
  status: 1
}

t.test('userinfo: plain and wrapped answers keep their JSON types', async (t) => {
  t.same(parseUserinfoResponse(res(alice)), alice)
  t.same(parseUserinfoResponse(res({ success: true, message: '', data: alice })), alice)
  t.same(parseUserinfoResponse(res({ id: 'u-1' })), { id: 'u-1' }, 'status may be absent')
  const extra = parseUserinfoResponse(res({ ...alice, is_admin: true, token: SECRET }))
  t.same(Object.keys(extra).sort(), Object.keys(alice).sort(), 'unknown fields are dropped')
})

runTable(parseUserinfoResponse, 'userinfo', [
  { name: 'truncated JSON', body: '{"', code: BAD },
  { name: 'null', body: 'null', code: BAD },
  { name: 'array', body: [alice], code: BAD },
  { name: 'HTML', body: '<!doctype html>', contentType: 'text/html', code: BAD },
  { name: 'missing id', body: { username: 'a' }, code: BAD },
  { name: 'null id', body: { id: null }, code: BAD },
  { name: 'boolean id', body: { id: true }, code: BAD },
  { name: 'object id', body: { id: {} }, code: BAD },
  { name: 'empty string id', body: { id: '' }, code: BAD },
  { name: 'fractional id', body: { id: 1.5 }, code: BAD },
  { name: 'id past 2^53', body: '{"id":12345678901234567890}', code: BAD },
  { name: 'numeric username', body: { ...alice, username: 5 }, code: BAD },
  { name: 'null email', body: { ...alice, email: null }, code: BAD },
  { name: 'string quota', body: { ...alice, quota: '100' }, code: BAD },
  { name: 'numeric balance_formatted', body: { ...alice, balance_formatted: 15 }, code: BAD },
  { name: 'string status', body: { ...alice, status: '1' }, code: BAD },
  { name: 'string created_time', body: { ...alice, created_time: '2022' }, code: BAD },
  { name: 'wrapped, success:false', body: { success: false, message: 'token expired' }, code: REJECTED, match: { errorDescription: 'token expired' } },
  { name: 'wrapped, success not boolean', body: { success: 'yes', data: alice }, code: BAD },
  { name: 'wrapped, data missing', body: { success: true }, code: BAD },
  { name: 'wrapped, data an array', body: { success: true, data: [alice] }, code: BAD },
  { name: 'wrapped, wrong-typed id', body: { success: true, data: { id: [1] } }, code: BAD },
  { name: '401 invalid_token', status: 401, body: { error: 'invalid_token' }, code: GRANT, match: { status: 401 } },
  { name: '401 without body', status: 401, body: '', code: GRANT },
  { name: '403 insufficient_scope', status: 403, body: { error: 'insufficient_scope' }, code: REJECTED },
  { name: '500', status: 500, body: '', code: UNAVAILABLE },
  { name: '502 HTML', status: 502, body: '<html>', contentType: 'text/html', code: UNAVAILABLE }
])

t.test('topup: the URL comes back normalized', async (t) => {
  t.equal(parseTopupResponse(res({ topup_url: 'https://aihubmix.com/topup?a=1' })), 'https://aihubmix.com/topup?a=1')
  t.equal(parseTopupResponse(res({ success: true, data: { topup_url: 'HTTP://AIHubMix.com' } })), 'http://aihubmix.com/')
})

runTable(parseTopupResponse, 'topup', [
  { name: 'javascript: URL', body: { topup_url: 'javascript:alert(1)' }, code: BAD },
  { name: 'data: URL', body: { topup_url: 'data:text/html,<script>1</script>' }, code: BAD },
  { name: 'protocol-relative', body: { topup_url: '//evil.example/x' }, code: BAD },
  { name: 'relative path', body: { topup_url: '/topup' }, code: BAD },
  { name: 'ftp', body: { topup_url: 'ftp://aihubmix.com/' }, code: BAD },
  { name: 'numeric', body: { topup_url: 5 }, code: BAD },
  { name: 'missing', body: {}, code: BAD },
  { name: 'wrapped, success:false', body: { success: false, message: 'x' }, code: REJECTED },
  { name: 'not JSON', body: 'https://aihubmix.com/topup', contentType: 'text/plain', code: BAD },
  { name: '401', status: 401, body: { error: 'invalid_token' }, code: GRANT },
  { name: '503', status: 503, body: '', code: UNAVAILABLE }
])

const app = { id: 7, name: 'demo', client_id: 'client_abc', client_secret: 'secret_xyz', redirect_uri: 'https://app.example/oauth2/callback', created_time: 1640995200 }

t.test('apps: a valid registration', async (t) => {
  const expected = { id: 7, name: 'demo', clientId: 'client_abc', clientSecret: 'secret_xyz', redirectUri: 'https://app.example/oauth2/callback', createdTime: 1640995200 }
  t.same(parseAppResponse(res({ success: true, message: 'ok', data: app })), expected)
  t.same(parseAppResponse(res({ success: true, data: { ...app, id: 'a-7', created_time: undefined } }, 201)),
    { id: 'a-7', name: 'demo', clientId: 'client_abc', clientSecret: 'secret_xyz', redirectUri: 'https://app.example/oauth2/callback' })
})

runTable(parseAppResponse, 'apps', [
  { name: 'not wrapped', body: app, code: BAD },
  { name: 'success:false with 200', body: { success: false, message: 'quota' }, code: REJECTED, match: { errorDescription: 'quota' } },
  { name: '400 with a message', status: 400, body: { success: false, message: 'name is required' }, code: REJECTED, match: { status: 400, errorDescription: 'name is required' } },
  { name: '401 bad developer token', status: 401, body: { success: false, message: 'bad token' }, code: REJECTED, match: { status: 401 } },
  { name: 'missing client_secret', body: { success: true, data: { ...app, client_secret: undefined } }, code: BAD },
  { name: 'numeric client_id', body: { success: true, data: { ...app, client_id: 1 } }, code: BAD },
  { name: 'fractional id', body: { success: true, data: { ...app, id: 1.5 } }, code: BAD },
  { name: 'string created_time', body: { success: true, data: { ...app, created_time: '1' } }, code: BAD },
  { name: '500', status: 500, body: '', code: UNAVAILABLE }
])

t.test('parseErrorBody reads only what it can trust', async (t) => {
  t.same(parseErrorBody('{"'), {})
  t.same(parseErrorBody('[]'), {})
  t.same(parseErrorBody('{"error":5,"error_description":7}'), {})
  t.same(parseErrorBody('{"error":"invalid_grant","error_description":""}'), { error: 'invalid_grant' })
  t.same(parseErrorBody('{"error":"x\\u0000y"}'), {}, 'control characters are not an error code')
  t.same(parseErrorBody(JSON.stringify({ success: false, message: 'm' })), { errorDescription: 'm' })
  t.equal(parseErrorBody(JSON.stringify({ error: 'e', error_description: 'd'.repeat(10_000) })).errorDescription?.length, 512)
})

t.test('the guards sort errors into what the session logic does', async (t) => {
  const catchFrom = (fn: () => unknown): unknown => { try { fn() } catch (err) { return err } }
  const grant = catchFrom(() => parseTokenResponse(res({ error: 'invalid_grant' }, 400)))
  const timeoutLike = catchFrom(() => parseTokenResponse(res('<html>', 200, 'text/html')))
  const rejected = catchFrom(() => parseTokenResponse(res({ error: 'invalid_client' }, 401)))
  t.ok(isGrantInvalid(grant) && !isProviderUnavailable(grant) && !isProviderRejected(grant))
  t.ok(isProviderUnavailable(timeoutLike) && !isGrantInvalid(timeoutLike), 'a bad response is a kind of unavailable')
  t.ok(isProviderRejected(rejected) && !isGrantInvalid(rejected) && !isProviderUnavailable(rejected))
})
