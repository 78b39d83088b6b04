// X-Auth-Assertion (SPEC §3 assertionKey, §5): a compact JWS an upstream can verify against
// <authPrefix>/jwks.json, so it need not trust the network between itself and the proxy.
// Signed with node:crypto (jose is a test-only dependency): EdDSA for Ed25519, ES256 for P-256.
// The key is imported once at startup; a request only serializes claims and signs.
import { createHash, createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto'
import type { UserInfo } from '../provider/responses.js'

// Short, so a leaked assertion is soon useless; the SPEC caps it at 5 min.
export const ASSERTION_LIFETIME_SECONDS = 60

export interface PublicJwk {
  kty: 'OKP' | 'EC'
  crv: 'Ed25519' | 'P-256'
  x: string
  y?: string
  kid: string
  alg: 'EdDSA' | 'ES256'
  use: 'sig'
}

export interface AssertionSigner {
  sign (user: UserInfo): string
  readonly jwk: PublicJwk
}

export interface AssertionOptions {
  // PEM, already checked by the config loader (Ed25519 or P-256)
  privateKeyPem: string
  issuer: string
  audience: string
  now?: () => number
}

export function createAssertionSigner (options: AssertionOptions): AssertionSigner {
  const key = createPrivateKey(options.privateKeyPem)
  const jwk = publicJwkOf(key)
  const now = options.now ?? Date.now
  const header = base64urlJson({ alg: jwk.alg, typ: 'JWT', kid: jwk.kid })
  const signWith = jwk.alg === 'EdDSA'
    ? (data: Buffer) => sign(null, data, key)
    // JWS wants r||s (RFC 7518 §3.4), not the DER node:crypto gives by default.
    : (data: Buffer) => sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' })
  return {
    jwk,
    sign (user) {
      const iat = Math.floor(now() / 1000)
      const claims: Record<string, unknown> = { iss: options.issuer, aud: options.audience, sub: String(user.id) }
      if (user.username !== undefined) claims.name = user.username
      if (user.email !== undefined) claims.email = user.email
      if (user.balance_formatted !== undefined) claims.balance = user.balance_formatted
      claims.iat = iat
      claims.exp = iat + ASSERTION_LIFETIME_SECONDS
      const signingInput = `${header}.${base64urlJson(claims)}`
      return `${signingInput}.${signWith(Buffer.from(signingInput)).toString('base64url')}`
    }
  }
}

function publicJwkOf (key: KeyObject): PublicJwk {
  const exported = createPublicKey(key).export({ format: 'jwk' }) as { kty: string, crv: string, x: string, y?: string }
  if (exported.kty === 'OKP' && exported.crv === 'Ed25519') {
    const members = { crv: exported.crv, kty: exported.kty, x: exported.x } as const
    return { kty: 'OKP', crv: 'Ed25519', x: exported.x, kid: thumbprint(members), alg: 'EdDSA', use: 'sig' }
  }
  if (exported.kty === 'EC' && exported.crv === 'P-256' && exported.y !== undefined) {
    const members = { crv: exported.crv, kty: exported.kty, x: exported.x, y: exported.y }
    return { kty: 'EC', crv: 'P-256', x: exported.x, y: exported.y, kid: thumbprint(members), alg: 'ES256', use: 'sig' }
  }
  throw new TypeError(`assertionKey is a ${exported.kty} ${exported.crv} key; expected Ed25519 or P-256`)
}

// RFC 7638: SHA-256 over the required members only, in lexicographic order, without spaces.
// The callers build `members` in that order; JSON.stringify keeps insertion order.
function thumbprint (members: Record<string, string>): string {
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url')
}

function base64urlJson (value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}
