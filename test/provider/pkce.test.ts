import { randomBytes } from 'node:crypto'
import t from 'tap'
import { computeS256Challenge, createPkcePair, createState } from '../../src/provider/pkce.js'

const BASE64URL = /^[A-Za-z0-9_-]+$/

t.test('S256 matches RFC 7636 appendix B', async (t) => {
  t.equal(computeS256Challenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'), 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM')
})

t.test('the verifier is 43+ base64url characters of 32 random bytes and the challenge is its S256', async (t) => {
  const sizes: number[] = []
  const pair = createPkcePair((n) => { sizes.push(n); return randomBytes(n) })
  t.same(sizes, [32])
  t.ok(pair.verifier.length >= 43 && pair.verifier.length <= 128)
  t.match(pair.verifier, BASE64URL)
  t.equal(pair.challenge, computeS256Challenge(pair.verifier))
  t.match(pair.challenge, BASE64URL)
  t.not(createPkcePair(randomBytes).verifier, pair.verifier)
})

t.test('state carries at least 128 bits from the injected source, base64url', async (t) => {
  const fixed = Buffer.alloc(32, 0xfb)
  t.equal(createState(() => fixed), fixed.toString('base64url'))
  const state = createState(randomBytes)
  t.match(state, BASE64URL)
  t.ok(Buffer.from(state, 'base64url').length * 8 >= 128)
  t.not(createState(randomBytes), state)
})
