// State and PKCE values for the authorization request (SPEC §4 start, RFC 7636). randomBytes is
// injected (AppDeps) so the app has one source of randomness and tests can pin it.
import { createHash } from 'node:crypto'

export type RandomBytes = (size: number) => Buffer

export interface PkcePair {
  verifier: string
  challenge: string
}

// 32 bytes: 256 bits, past SPEC §4's 128-bit floor; base64url gives 43 characters, the
// minimum verifier length of RFC 7636 §4.1.
const RANDOM_BYTES = 32

export function createState (randomBytes: RandomBytes): string {
  return randomBytes(RANDOM_BYTES).toString('base64url')
}

export function computeS256Challenge (verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url')
}

export function createPkcePair (randomBytes: RandomBytes): PkcePair {
  const verifier = randomBytes(RANDOM_BYTES).toString('base64url')
  return { verifier, challenge: computeS256Challenge(verifier) }
}
