// The X-Auth-Assertion signer (src/proxy/assertion.ts), checked with an independent JOSE
// implementation: jose verifies what node:crypto signed, and computes the kid itself.
import { generateKeyPairSync } from 'node:crypto'
import { calculateJwkThumbprint, decodeProtectedHeader, importJWK, jwtVerify } from 'jose'
import t from 'tap'
import { ASSERTION_LIFETIME_SECONDS, createAssertionSigner } from '../../src/proxy/assertion.js'

const PEMS = {
  EdDSA: generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  ES256: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
}

const NOW = 1_700_000_000_000

for (const [alg, pem] of Object.entries(PEMS)) {
  t.test(`${alg}: claims, header and lifetime`, async (t) => {
    const signer = createAssertionSigner({ privateKeyPem: pem, issuer: 'https://auth.example', audience: 'http://app:8080', now: () => NOW })
    const jwt = signer.sign({ id: 42, username: 'Zoë', email: 'z@example.com', balance_formatted: '$1.50' })
    const key = await importJWK(signer.jwk, alg)
    const { payload, protectedHeader } = await jwtVerify(jwt, key, {
      issuer: 'https://auth.example', audience: 'http://app:8080', currentDate: new Date(NOW)
    })
    t.same(protectedHeader, { alg, typ: 'JWT', kid: signer.jwk.kid })
    t.same(payload, {
      iss: 'https://auth.example',
      aud: 'http://app:8080',
      sub: '42',
      name: 'Zoë',
      email: 'z@example.com',
      balance: '$1.50',
      iat: NOW / 1000,
      exp: NOW / 1000 + ASSERTION_LIFETIME_SECONDS
    })
    await t.rejects(jwtVerify(jwt, key, { currentDate: new Date(NOW + (ASSERTION_LIFETIME_SECONDS + 1) * 1000) }),
      { code: 'ERR_JWT_EXPIRED' })
    t.equal(signer.jwk.kid, await calculateJwkThumbprint(signer.jwk, 'sha256'), 'kid is the RFC 7638 thumbprint')
    t.equal(signer.jwk.use, 'sig')
    t.notOk('d' in signer.jwk)
  })
}

t.test('fields userinfo lacks are left out, never sent as null or "undefined"', async (t) => {
  const signer = createAssertionSigner({ privateKeyPem: PEMS.EdDSA, issuer: 'https://a', audience: 'https://b', now: () => NOW })
  const jwt = signer.sign({ id: 'u-1' })
  const { payload } = await jwtVerify(jwt, await importJWK(signer.jwk, 'EdDSA'), { currentDate: new Date(NOW) })
  t.same(Object.keys(payload).sort(), ['aud', 'exp', 'iat', 'iss', 'sub'])
  t.equal(payload.sub, 'u-1')
})

t.test('the same key always gets the same kid; another key another kid', async (t) => {
  const a = createAssertionSigner({ privateKeyPem: PEMS.ES256, issuer: 'https://a', audience: 'https://b' })
  const b = createAssertionSigner({ privateKeyPem: PEMS.ES256, issuer: 'https://c', audience: 'https://d' })
  const c = createAssertionSigner({ privateKeyPem: PEMS.EdDSA, issuer: 'https://a', audience: 'https://b' })
  t.equal(a.jwk.kid, b.jwk.kid)
  t.not(a.jwk.kid, c.jwk.kid)
  t.equal(decodeProtectedHeader(a.sign({ id: 1 })).kid, a.jwk.kid)
})
