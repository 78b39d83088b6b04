// Dead grants and refused requests, from the real simulator: the session logic ends a session
// only on GRANT_INVALID and treats REJECTED as configuration (SPEC §7). Codes, never messages.
import { randomBytes } from 'node:crypto'
import t from 'tap'
import { createPkcePair } from '../../src/provider/pkce.js'
import type { ProviderClient } from '../../src/provider/client.js'
import { isGrantInvalid, isProviderRejected } from '../../src/provider/failure.js'
import { DEMO, DEVELOPER_TOKEN, leaks, startProvider, type Provider } from './harness.js'

const GRANT = 'AAP_ERR_PROVIDER_GRANT_INVALID'
const REJECTED = 'AAP_ERR_PROVIDER_REJECTED'

async function caught (p: Promise<unknown>): Promise<unknown> {
  try {
    await p
  } catch (err) {
    return err
  }
  throw new Error('expected a rejection')
}

async function codeFor (provider: Provider, client: ProviderClient, challenge?: string): Promise<string> {
  const params = challenge === undefined ? { state: 'st' } : { state: 'st', codeChallenge: challenge }
  const back = await provider.login(client.buildAuthorizeUrl(params))
  return back.searchParams.get('code') ?? ''
}

t.test('a code used twice is grant-invalid, and what it produced is revoked', async (t) => {
  const provider = await startProvider(t)
  const client = provider.client()
  const code = await codeFor(provider, client)
  const tokens = await client.exchangeCode({ code })
  const err = await caught(client.exchangeCode({ code }))
  t.match(err, { code: GRANT, endpoint: 'token', status: 400, error: 'invalid_grant' })
  t.ok(isGrantInvalid(err))
  t.same(leaks(err, [code, DEMO.clientSecret]), [])
  t.match(await caught(client.userinfo(tokens.accessToken)), { code: GRANT, endpoint: 'userinfo', status: 401 })
  t.match(await caught(client.refresh(tokens.refreshToken ?? '')), { code: GRANT, endpoint: 'refresh' })
})

t.test('a redirect_uri other than the registered one', async (t) => {
  const provider = await startProvider(t)
  const other = provider.client({ redirectUri: 'http://localhost:4180/elsewhere' })
  await t.rejects(provider.login(other.buildAuthorizeUrl({ state: 'st' })), /authorize answered 400/,
    'the simulator shows an error page and sends the browser nowhere')

  const code = await codeFor(provider, provider.client())
  const err = await caught(other.exchangeCode({ code }))
  t.match(err, { code: GRANT, error: 'invalid_grant' }, 'a code is bound to its redirect_uri')
  t.same(leaks(err, [code]), [])
})

t.test('a wrong or missing PKCE verifier is grant-invalid', async (t) => {
  const provider = await startProvider(t)
  const client = provider.client()
  const pkce = createPkcePair(randomBytes)
  const wrong = createPkcePair(randomBytes).verifier
  const code = await codeFor(provider, client, pkce.challenge)
  const err = await caught(client.exchangeCode({ code, codeVerifier: wrong }))
  t.match(err, { code: GRANT, error: 'invalid_grant' })
  t.same(leaks(err, [code, wrong, pkce.verifier, DEMO.clientSecret]), [])
  const code2 = await codeFor(provider, client, pkce.challenge)
  t.match(await caught(client.exchangeCode({ code: code2 })), { code: GRANT })
})

t.test('a wrong client_secret is rejected (invalid_client), not grant-invalid', async (t) => {
  const provider = await startProvider(t)
  const client = provider.client({ clientSecret: 'not-the-secret' })
  const code = await codeFor(provider, client)
  const err = await caught(client.exchangeCode({ code }))
  t.match(err, { code: REJECTED, endpoint: 'token', status: 401, error: 'invalid_client' })
  t.ok(isProviderRejected(err) && !isGrantInvalid(err))
  t.same(leaks(err, ['not-the-secret', code]), [])
})

t.test('a refresh token reused after rotation kills the grant, the rotated one too', async (t) => {
  const provider = await startProvider(t)
  const client = provider.client()
  const first = await client.exchangeCode({ code: await codeFor(provider, client) })
  const second = await client.refresh(first.refreshToken ?? '')
  const reuse = await caught(client.refresh(first.refreshToken ?? ''))
  t.match(reuse, { code: GRANT, endpoint: 'refresh', error: 'invalid_grant' })
  t.same(leaks(reuse, [first.refreshToken, second.refreshToken, DEMO.clientSecret]), [])
  t.match(await caught(client.refresh(second.refreshToken ?? '')), { code: GRANT, endpoint: 'refresh' })
  t.match(await caught(client.userinfo(second.accessToken)), { code: GRANT, endpoint: 'userinfo' })
})

t.test('a grant the user revoked: refresh, userinfo and topup are grant-invalid', async (t) => {
  const provider = await startProvider(t)
  const client = provider.client()
  const tokens = await client.exchangeCode({ code: await codeFor(provider, client) })
  await provider.control('POST', '/revoke', { user_id: 1001, client_id: DEMO.clientId })
  for (const err of [
    await caught(client.refresh(tokens.refreshToken ?? '')),
    await caught(client.userinfo(tokens.accessToken)),
    await caught(client.topup(tokens.accessToken))
  ]) {
    t.match(err, { code: GRANT })
    t.same(leaks(err, [tokens.accessToken, tokens.refreshToken, DEMO.clientSecret]), [])
  }
  t.same(provider.calls.slice(-3).map((c) => c.outcome), ['grant_invalid', 'grant_invalid', 'grant_invalid'])
})

t.test('registerApp: a bad developer token or a bad body is rejected with the provider message', async (t) => {
  const provider = await startProvider(t)
  const client = provider.client()
  const badToken = await caught(client.registerApp('not-a-dev-token', { name: 'x', description: '', redirectUri: 'https://a.example/cb' }))
  t.match(badToken, { code: REJECTED, endpoint: 'apps', status: 401, errorDescription: String })
  t.ok(!isGrantInvalid(badToken))
  t.same(leaks(badToken, ['not-a-dev-token']), [])
  const badBody = await caught(client.registerApp(DEVELOPER_TOKEN, { name: 'x', description: '', redirectUri: 'javascript:alert(1)' }))
  t.match(badBody, { code: REJECTED, endpoint: 'apps', status: 400, errorDescription: String })
  t.same(leaks(badBody, [DEVELOPER_TOKEN]), [])
})

t.test('a token that cannot be a header value is refused without calling AIHubMix', async (t) => {
  const provider = await startProvider(t)
  const client = provider.client()
  t.match(await caught(client.userinfo('forged\r\nX-Evil: 1')), { code: GRANT, endpoint: 'userinfo' })
  t.match(await caught(client.topup('has space')), { code: GRANT, endpoint: 'topup' })
  t.match(await caught(client.userinfo('')), { code: GRANT, endpoint: 'userinfo' })
  t.match(await caught(client.registerApp('dev token', { name: 'x', description: '', redirectUri: 'https://a.example/cb' })), { code: REJECTED, endpoint: 'apps' })
  t.match(await provider.control('GET', '/calls'), { userinfo: 0, topup: 0, apps: 0 })
})
