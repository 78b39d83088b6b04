// RFC 7636 checks, written independently of the proxy's own PKCE code (STYLE §2: the simulator
// must not share the proxy's parsers, or both could be wrong the same way).
import { createHash } from 'node:crypto'
import { safeEqual } from './state.js'

// base64url of a SHA-256 digest is always 43 characters (RFC 7636 §4.2).
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/
// RFC 7636 §4.1: 43-128 characters of the unreserved set.
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/

export function isS256Challenge (challenge: string): boolean {
  return S256_CHALLENGE.test(challenge)
}

export function verifyS256 (verifier: string, challenge: string): boolean {
  if (!VERIFIER.test(verifier)) return false
  const computed = createHash('sha256').update(verifier, 'ascii').digest('base64url')
  return safeEqual(computed, challenge)
}
