// SPEC §3 assertionKey, §4 jwks.json, §5 X-Auth-Assertion: the upstream verifies who the user
// is with the proxy's public key, fetched from <proxy>/oauth2/jwks.json the way an app would
// (jose's createRemoteJWKSet over a real socket), for both key types the SPEC allows.
import { generateKeyPairSync } from 'node:crypto'
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import t from 'tap'
import { request } from 'undici'
import { Browser, signIn } from '../helpers/browser.js'
import { startStack, type Stack } from '../helpers/stack.js'

const KEYS = {
  Ed25519: { alg: 'EdDSA', pem: () => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() },
  'P-256': { alg: 'ES256', pem: () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'sec1', format: 'pem' }).toString() }
} as const

async function upstreamSees (stack: Stack, headers: Record<string, string>): Promise<Record<string, string>> {
  const res = await request(`${stack.proxyUrl}/headers`, { headers: { accept: 'application/json', ...headers } })
  if (res.statusCode !== 200) throw new Error(`proxy answered ${res.statusCode}`)
  return await res.body.json() as Record<string, string>
}

function cookieOf (browser: Browser, stack: Stack): string {
  return [...browser.cookies(stack.proxyUrl)].map(([k, v]) => `${k}=${v}`).join('; ')
}

for (const [curve, { alg, pem }] of Object.entries(KEYS)) {
  t.test(`${curve}: the upstream verifies X-Auth-Assertion against the proxy's JWKS`, async (t) => {
    const stack = await startStack(t, { config: { assertionKey: pem() } })
    const browser = new Browser()
    await signIn(browser, stack.proxyUrl, { username: '张三', password: 'zhangsan-password' })
    const seen = await upstreamSees(stack, { cookie: cookieOf(browser, stack) })
    const assertion = seen['x-auth-assertion']
    if (assertion === undefined) throw new Error('no X-Auth-Assertion upstream')

    const jwks = createRemoteJWKSet(new URL(`${stack.proxyUrl}/oauth2/jwks.json`))
    const { payload, protectedHeader } = await jwtVerify(assertion, jwks, {
      issuer: stack.config.redirectUrl.origin,
      audience: new URL(stack.upstreamUrl).origin,
      algorithms: [alg]
    })
    t.equal(protectedHeader.alg, alg)
    // `sub` is a string (RFC 7519 §4.1.2), '1002' and never the number 1002.
    t.equal(typeof payload.sub, 'string', 'sub is a string')
    t.equal(payload.sub, '1002')
    t.match(payload, { name: '张三', email: 'zhangsan@example.cn', balance: String })
    t.equal(payload.balance, decodeURIComponent(seen['x-user-balance'] ?? ''))
    t.ok(payload.exp !== undefined && payload.iat !== undefined && payload.exp - payload.iat <= 300, 'short-lived (SPEC: at most 5 min)')

    // A verifier bound to another app (audience) or another proxy (issuer) refuses it.
    await t.rejects(jwtVerify(assertion, jwks, { issuer: stack.config.redirectUrl.origin, audience: 'http://other.example' }))
    await t.rejects(jwtVerify(assertion, jwks, { issuer: 'http://other.example', audience: new URL(stack.upstreamUrl).origin }))

    // One payload character changed: the signature no longer holds.
    const [head, body, sig] = assertion.split('.') as [string, string, string]
    const flipped = body.slice(0, 10) + (body[10] === 'A' ? 'B' : 'A') + body.slice(11)
    await t.rejects(jwtVerify(`${head}.${flipped}.${sig}`, jwks), { code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' })
  })

  t.test(`${curve}: jwks.json serves the public key with its RFC 7638 thumbprint as kid, cacheable`, async (t) => {
    const stack = await startStack(t, { config: { assertionKey: pem() } })
    const res = await request(`${stack.proxyUrl}/oauth2/jwks.json`)
    t.equal(res.statusCode, 200)
    t.match(res.headers['cache-control'], /^public, max-age=\d+$/)
    const { keys } = await res.body.json() as { keys: Array<Record<string, string>> }
    t.equal(keys.length, 1)
    const [jwk] = keys as [Record<string, string>]
    t.match(jwk, { alg, use: 'sig', crv: curve })
    t.notOk('d' in jwk, 'no private part')
    const { calculateJwkThumbprint } = await import('jose')
    t.equal(jwk.kid, await calculateJwkThumbprint(jwk as never, 'sha256'))

    const browser = new Browser()
    await signIn(browser, stack.proxyUrl)
    const seen = await upstreamSees(stack, { cookie: cookieOf(browser, stack) })
    t.equal(decodeProtectedHeader(seen['x-auth-assertion'] ?? '').kid, jwk.kid, 'the assertion names the published key')
  })
}

t.test('without assertionKey: no X-Auth-Assertion upstream and jwks.json is a 404', async (t) => {
  const stack = await startStack(t)
  const res = await request(`${stack.proxyUrl}/oauth2/jwks.json`, { headers: { accept: 'application/json' } })
  t.equal(res.statusCode, 404)
  await res.body.dump()
  const browser = new Browser()
  await signIn(browser, stack.proxyUrl)
  const seen = await upstreamSees(stack, { cookie: cookieOf(browser, stack) })
  t.equal(seen['x-user-id'], '1001')
  t.notOk('x-auth-assertion' in seen)
})

t.test('a client cannot send its own X-Auth-Assertion, in any spelling', async (t) => {
  const stack = await startStack(t, { config: { assertionKey: KEYS.Ed25519.pem(), skipAuthRoutes: '^/public' } })
  const forged = 'eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.'
  // Signed out on a skipped route: nothing of the client's copies may survive.
  const res = await request(`${stack.proxyUrl}/public`, { headers: { accept: 'application/json', 'x-auth-assertion': forged, x_auth_assertion: forged } })
  const { headers } = await res.body.json() as { headers: Record<string, string> }
  t.notOk('x-auth-assertion' in headers)
  t.notOk('x_auth_assertion' in headers)
  // Signed in: the one upstream sees is the proxy's own, not the forgery.
  const browser = new Browser()
  await signIn(browser, stack.proxyUrl)
  const seen = await upstreamSees(stack, { cookie: cookieOf(browser, stack), 'X-Auth-Assertion': forged })
  t.not(seen['x-auth-assertion'], forged)
  t.equal(seen['x-auth-assertion']?.split('.').length, 3)
})

t.test('bearer clients get an assertion too', async (t) => {
  const stack = await startStack(t, { config: { assertionKey: KEYS['P-256'].pem(), allowBearer: true } })
  const before = new Set(stack.simulator.state.tokens.keys())
  await signIn(new Browser(), stack.proxyUrl)
  const token = [...stack.simulator.state.tokens].find(([value, record]) => record.kind === 'access' && !before.has(value))?.[0] ?? ''
  const seen = await upstreamSees(stack, { authorization: `Bearer ${token}` })
  const jwks = createRemoteJWKSet(new URL(`${stack.proxyUrl}/oauth2/jwks.json`))
  const { payload } = await jwtVerify(seen['x-auth-assertion'] ?? '', jwks, {
    issuer: stack.config.redirectUrl.origin, audience: new URL(stack.upstreamUrl).origin
  })
  t.equal(typeof payload.sub, 'string')
  t.equal(payload.sub, '1001')
})
