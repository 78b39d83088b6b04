import t, { type Test } from 'tap'
import { DEMO, pkcePair, startSimulator, type Reply } from './helper.js'

function assertOAuthError (t: Test, res: Reply, status: number, error: string): void {
  t.equal(res.status, status, `status ${status} for ${error}`)
  t.equal(res.headers['cache-control'], 'no-store')
  t.match(res.headers['content-type'], /application\/json/)
  const body = res.json()
  t.equal(body.error, error)
  t.type(body.error_description, 'string')
}

t.test('the token endpoint accepts only form bodies, and answers RFC 6749 §5.2 errors', async (t) => {
  const h = await startSimulator(t)
  const form = { grant_type: 'authorization_code', code: 'x', redirect_uri: DEMO.redirect_uri, client_id: DEMO.client_id, client_secret: DEMO.client_secret }
  assertOAuthError(t, await h.postJson('/api/oauth2/token', form), 400, 'invalid_request')
  assertOAuthError(t, await h.call('/api/oauth2/token', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'grant_type=authorization_code' }), 400, 'invalid_request')
  assertOAuthError(t, await h.call('/api/oauth2/token', { method: 'POST' }), 400, 'invalid_request')
  assertOAuthError(t, await h.postForm('/api/oauth2/token', { client_id: DEMO.client_id, client_secret: DEMO.client_secret }), 400, 'invalid_request')
  assertOAuthError(t, await h.postForm('/api/oauth2/token', { ...form, grant_type: 'password' }), 400, 'unsupported_grant_type')
  assertOAuthError(t, await h.postForm('/api/oauth2/token', { ...form, grant_type: 'client_credentials' }), 400, 'unsupported_grant_type')
  const repeated = await h.call('/api/oauth2/token', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString() + '&code=y'
  })
  assertOAuthError(t, repeated, 400, 'invalid_request')
})

t.test('client authentication: wrong secret or unknown client is 401 invalid_client; Basic works', async (t) => {
  const h = await startSimulator(t)
  const cookie = await h.login()
  assertOAuthError(t, await h.exchange('x', { client_secret: 'wrong' }), 401, 'invalid_client')
  assertOAuthError(t, await h.exchange('x', { client_id: 'nobody' }), 401, 'invalid_client')
  const noSecret = await h.postForm('/api/oauth2/token', { grant_type: 'authorization_code', code: 'x', redirect_uri: DEMO.redirect_uri, client_id: DEMO.client_id })
  assertOAuthError(t, noSecret, 401, 'invalid_client')

  const basic = (id: string, secret: string): string =>
    'Basic ' + Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')
  const { code } = await h.authorizeCode(cookie)
  const ok = await h.postForm('/api/oauth2/token', { grant_type: 'authorization_code', code, redirect_uri: DEMO.redirect_uri }, { authorization: basic(DEMO.client_id, DEMO.client_secret) })
  t.equal(ok.status, 200, 'HTTP Basic client authentication')

  const bad = await h.postForm('/api/oauth2/token', { grant_type: 'authorization_code', code: 'x', redirect_uri: DEMO.redirect_uri }, { authorization: basic(DEMO.client_id, 'wrong') })
  assertOAuthError(t, bad, 401, 'invalid_client')
  t.match(bad.headers['www-authenticate'], /^Basic /)

  const garbled = await h.postForm('/api/oauth2/token', { grant_type: 'authorization_code', code: 'x', redirect_uri: DEMO.redirect_uri }, { authorization: 'Basic ' + Buffer.from('no-colon').toString('base64') })
  assertOAuthError(t, garbled, 401, 'invalid_client')

  const twice = await h.postForm('/api/oauth2/token', { grant_type: 'authorization_code', code: 'x', redirect_uri: DEMO.redirect_uri, client_secret: DEMO.client_secret }, { authorization: basic(DEMO.client_id, DEMO.client_secret) })
  assertOAuthError(t, twice, 400, 'invalid_request')
  const otherId = await h.postForm('/api/oauth2/token', { grant_type: 'authorization_code', code: 'x', redirect_uri: DEMO.redirect_uri, client_id: 'other' }, { authorization: basic(DEMO.client_id, DEMO.client_secret) })
  assertOAuthError(t, otherId, 400, 'invalid_request')
})

t.test('missing code or redirect_uri is invalid_request; an unknown code invalid_grant', async (t) => {
  const h = await startSimulator(t)
  assertOAuthError(t, await h.exchange(''), 400, 'invalid_request')
  assertOAuthError(t, await h.exchange('x', { redirect_uri: '' }), 400, 'invalid_request')
  assertOAuthError(t, await h.exchange('not-a-code'), 400, 'invalid_grant')
})

t.test('a code used twice is refused and what it issued is revoked', async (t) => {
  const h = await startSimulator(t)
  const cookie = await h.login()
  const { code } = await h.authorizeCode(cookie)
  const first = await h.exchange(code)
  t.equal(first.status, 200)
  const tokens = first.json()
  const refreshed = (await h.refresh(tokens.refresh_token)).json()
  t.equal((await h.userinfo(refreshed.access_token)).status, 200)

  assertOAuthError(t, await h.exchange(code), 400, 'invalid_grant')
  t.equal((await h.userinfo(tokens.access_token)).status, 401, 'the first access token is revoked')
  t.equal((await h.userinfo(refreshed.access_token)).status, 401, 'so is one refreshed from it')
  assertOAuthError(t, await h.refresh(refreshed.refresh_token), 400, 'invalid_grant')

  // another login of the same user is a different authorization and survives
  const other = await h.exchange((await h.authorizeCode(cookie)).code)
  t.equal((await h.userinfo(other.json().access_token)).status, 200)
})

t.test('a code expires after code_ttl (clock option)', async (t) => {
  let clock = 1_700_000_000_000
  const h = await startSimulator(t, { now: () => clock })
  const cookie = await h.login()
  const { code } = await h.authorizeCode(cookie)
  clock += 10 * 60 * 1000
  assertOAuthError(t, await h.exchange(code), 400, 'invalid_grant')

  const fresh = await h.authorizeCode(cookie)
  clock += 10 * 60 * 1000 - 1
  t.equal((await h.exchange(fresh.code)).status, 200, 'still valid 1 ms before 10 minutes')
})

t.test('a code expires after code_ttl (control setting)', async (t) => {
  const h = await startSimulator(t)
  const set = await h.control('POST', '/settings', { code_ttl: 0 })
  t.equal(set.json().code_ttl, 0)
  const cookie = await h.login()
  const { code } = await h.authorizeCode(cookie)
  assertOAuthError(t, await h.exchange(code), 400, 'invalid_grant')
})

t.test('a code is bound to its client and redirect_uri', async (t) => {
  const h = await startSimulator(t, {
    clients: [
      { client_id: DEMO.client_id, client_secret: DEMO.client_secret, redirect_uri: DEMO.redirect_uri },
      { client_id: 'other', client_secret: 'other-secret', redirect_uri: DEMO.redirect_uri }
    ]
  })
  const cookie = await h.login()
  const { code } = await h.authorizeCode(cookie)
  assertOAuthError(t, await h.exchange(code, { client_id: 'other', client_secret: 'other-secret' }), 400, 'invalid_grant')
  assertOAuthError(t, await h.exchange(code, { redirect_uri: DEMO.redirect_uri + '/' }), 400, 'invalid_grant')
  t.equal((await h.exchange(code)).status, 200, 'the failed attempts did not use the code up')
})

t.test('PKCE: S256 verified; missing, wrong or malformed verifiers are invalid_grant', async (t) => {
  const h = await startSimulator(t)
  const cookie = await h.login()
  const pkce = pkcePair()
  const { code } = await h.authorizeCode(cookie, { code_challenge: pkce.challenge, code_challenge_method: 'S256' })
  assertOAuthError(t, await h.exchange(code), 400, 'invalid_grant')
  assertOAuthError(t, await h.exchange(code, { code_verifier: pkcePair().verifier }), 400, 'invalid_grant')
  assertOAuthError(t, await h.exchange(code, { code_verifier: pkce.challenge }), 400, 'invalid_grant')
  assertOAuthError(t, await h.exchange(code, { code_verifier: 'short' }), 400, 'invalid_grant')
  assertOAuthError(t, await h.exchange(code, { code_verifier: pkce.verifier + '!' }), 400, 'invalid_grant')
  t.equal((await h.exchange(code, { code_verifier: pkce.verifier })).status, 200)

  // RFC 7636 appendix B's test vector
  const rfc = await h.authorizeCode(cookie, { code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' })
  t.equal((await h.exchange(rfc.code, { code_verifier: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk' })).status, 200)
})

t.test('a verifier sent for a code issued without a challenge is refused', async (t) => {
  const h = await startSimulator(t)
  const cookie = await h.login()
  const { code } = await h.authorizeCode(cookie)
  assertOAuthError(t, await h.exchange(code, { code_verifier: pkcePair().verifier }), 400, 'invalid_grant')
  t.equal((await h.exchange(code)).status, 200)
})
