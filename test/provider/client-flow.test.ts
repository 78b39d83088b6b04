// The provider client against the real simulator over real sockets: the whole §2 API, happy paths.
import { randomBytes } from 'node:crypto'
import t from 'tap'
import { Agent } from 'undici'
import { createPkcePair, createState } from '../../src/provider/pkce.js'
import { DEMO, DEVELOPER_TOKEN, startProvider } from './harness.js'

const ALICE = {
  id: 1001,
  username: 'alice',
  email: 'alice@example.com',
  quota: 10000000,
  used_quota: 2500000,
  balance_formatted: '15.00'
}

t.test('the authorize URL carries exactly the §2 parameters', async (t) => {
  const provider = await startProvider(t)
  const client = provider.client({ authorizeUrl: new URL(`${provider.base}/api/oauth2/authorize?tenant=x#frag`) })
  const url = new URL(client.buildAuthorizeUrl({ state: 's t&1', codeChallenge: 'ch' }))
  t.equal(url.hash, '')
  t.same(Object.fromEntries(url.searchParams), {
    tenant: 'x',
    client_id: DEMO.clientId,
    redirect_uri: DEMO.redirectUri,
    response_type: 'code',
    scope: 'profile balance',
    auto_authorize: 'true',
    state: 's t&1',
    code_challenge: 'ch',
    code_challenge_method: 'S256'
  })
  const plain = new URL(provider.client({ autoAuthorize: false }).buildAuthorizeUrl({ state: 'a' }))
  t.notOk(plain.searchParams.has('auto_authorize'))
  t.notOk(plain.searchParams.has('code_challenge'))
  t.notOk(plain.searchParams.has('code_challenge_method'))
})

t.test('login with PKCE, userinfo plain and wrapped, refresh with rotation, topup', async (t) => {
  const provider = await startProvider(t)
  const client = provider.client()
  const state = createState(randomBytes)
  const pkce = createPkcePair(randomBytes)
  const back = await provider.login(client.buildAuthorizeUrl({ state, codeChallenge: pkce.challenge }))
  t.equal(`${back.origin}${back.pathname}`, DEMO.redirectUri)
  t.equal(back.searchParams.get('state'), state)
  const code = back.searchParams.get('code') ?? ''

  const tokens = await client.exchangeCode({ code, codeVerifier: pkce.verifier })
  t.match(tokens, { tokenType: 'Bearer', expiresIn: 7200, scope: 'profile balance', accessToken: String, refreshToken: String })

  t.match(await client.userinfo(tokens.accessToken), { ...ALICE, status: 1, created_time: Number })
  await provider.control('POST', '/settings', { wrap: true })
  t.match(await client.userinfo(tokens.accessToken), { ...ALICE, status: 1 }, 'wrapped {success,data}')
  t.match(await client.topup(tokens.accessToken), /^http:\/\/127\.0\.0\.1:\d+\/topup$/, 'wrapped topup')
  await provider.control('POST', '/settings', { wrap: false })
  t.equal(await client.topup(tokens.accessToken), `${provider.base}/topup`)

  const refreshed = await client.refresh(tokens.refreshToken ?? '')
  t.ok(refreshed.refreshToken !== undefined && refreshed.refreshToken !== tokens.refreshToken, 'rotated')
  t.not(refreshed.accessToken, tokens.accessToken)
  t.match(await client.userinfo(refreshed.accessToken), { id: 1001 })
  const again = await client.refresh(refreshed.refreshToken ?? '')
  t.ok(again.accessToken)

  t.same(provider.calls.map((c) => `${c.endpoint}:${c.outcome}`), [
    'token:ok', 'userinfo:ok', 'userinfo:ok', 'topup:ok', 'topup:ok', 'refresh:ok', 'userinfo:ok', 'refresh:ok'
  ], 'one metrics report per call')
})

t.test('without rotation the TokenSet has no refresh token and the old one keeps working', async (t) => {
  const provider = await startProvider(t)
  await provider.control('POST', '/settings', { rotate_refresh_tokens: false })
  const client = provider.client()
  const back = await provider.login(client.buildAuthorizeUrl({ state: 'st' }))
  const tokens = await client.exchangeCode({ code: back.searchParams.get('code') ?? '' })
  const first = await client.refresh(tokens.refreshToken ?? '')
  t.equal(first.refreshToken, undefined)
  t.ok((await client.refresh(tokens.refreshToken ?? '')).accessToken)
})

t.test('scope-filtered userinfo keeps only what was granted, with AIHubMix JSON types', async (t) => {
  const provider = await startProvider(t)
  const client = provider.client({ scope: 'profile' })
  const back = await provider.login(client.buildAuthorizeUrl({ state: 'st' }), '张三', 'zhangsan-password')
  const tokens = await client.exchangeCode({ code: back.searchParams.get('code') ?? '' })
  const user = await client.userinfo(tokens.accessToken)
  t.match(user, { id: 1002, username: '张三', email: 'zhangsan@example.cn', status: 1 })
  t.notOk('quota' in user || 'balance_formatted' in user)

  const disabled = provider.client()
  const backDisabled = await provider.login(disabled.buildAuthorizeUrl({ state: 'st' }), 'disabled', 'disabled-password')
  const disabledTokens = await disabled.exchangeCode({ code: backDisabled.searchParams.get('code') ?? '' })
  t.equal((await disabled.userinfo(disabledTokens.accessToken)).status, 2, 'passed on; the access rule refuses it')
})

t.test('registerApp, then a login with the new credentials', async (t) => {
  const provider = await startProvider(t)
  const registrar = provider.client()
  const redirectUri = 'http://localhost:4180/new/callback'
  const app = await registrar.registerApp(DEVELOPER_TOKEN, { name: 'new app', description: 'd', redirectUri })
  t.match(app, { name: 'new app', clientId: String, clientSecret: String, redirectUri })
  t.ok(typeof app.id === 'number' || typeof app.id === 'string')
  t.not(app.clientId, DEMO.clientId)

  const client = provider.client({ clientId: app.clientId, clientSecret: app.clientSecret, redirectUri })
  const pkce = createPkcePair(randomBytes)
  const back = await provider.login(client.buildAuthorizeUrl({ state: 'st', codeChallenge: pkce.challenge }))
  t.equal(`${back.origin}${back.pathname}`, redirectUri)
  const tokens = await client.exchangeCode({ code: back.searchParams.get('code') ?? '', codeVerifier: pkce.verifier })
  t.match(await client.userinfo(tokens.accessToken), { id: 1001 })
})

t.test('an injected dispatcher is shared and left open by close()', async (t) => {
  const provider = await startProvider(t)
  const dispatcher = new Agent()
  t.teardown(() => dispatcher.close())
  const client = provider.client({ dispatcher })
  const back = await provider.login(client.buildAuthorizeUrl({ state: 'st' }))
  const tokens = await client.exchangeCode({ code: back.searchParams.get('code') ?? '' })
  await client.close()
  t.notOk(dispatcher.closed)
  t.match(await client.userinfo(tokens.accessToken), { id: 1001 }, 'still usable: the dispatcher belongs to its owner')
})
