// The stored session is AES-256-GCM under the per-session key from the cookie ticket (SPEC §7):
// a Redis dump alone reveals no token. Layout, versioned from day one (STYLE §1.7):
//
//   [1 byte version = 1][12 bytes random IV][ciphertext][16 bytes GCM tag]
//
// The additional data binds the ciphertext to its version and its store key, so a blob copied
// under another session's key (by anyone with write access to Redis) fails to open.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { isSession, type Session } from './types.js'

const SEAL_VERSION = 1
const IV_BYTES = 12
const TAG_BYTES = 16
const KEY_BYTES = 32
const HEADER_BYTES = 1 + IV_BYTES
const AAD_LABEL = 'aihubmix-auth-proxy/session\0'

function aadFor (storeKey: string): Buffer {
  return Buffer.from(`${AAD_LABEL}${SEAL_VERSION}\0${storeKey}`, 'utf8')
}

// A fresh random IV per write: at most one write a minute per session (plus refreshes) stays
// far below the 2^32 random-IV limit of one GCM key (NIST SP 800-38D §8.3).
export function sealSession (session: Session, key: Buffer, storeKey: string): Buffer {
  const iv = randomBytes(IV_BYTES)
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES })
  cipher.setAAD(aadFor(storeKey))
  const body = Buffer.concat([cipher.update(JSON.stringify(session), 'utf8'), cipher.final()])
  return Buffer.concat([Buffer.of(SEAL_VERSION), iv, body, cipher.getAuthTag()])
}

/** undefined for anything that is not a session sealed with this key under this store key. */
export function openSession (blob: Buffer, key: Buffer, storeKey: string): Session | undefined {
  if (key.length !== KEY_BYTES) return undefined
  if (blob.length < HEADER_BYTES + TAG_BYTES || blob[0] !== SEAL_VERSION) return undefined
  let plain: Buffer
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, blob.subarray(1, HEADER_BYTES), { authTagLength: TAG_BYTES })
    decipher.setAAD(aadFor(storeKey))
    decipher.setAuthTag(blob.subarray(blob.length - TAG_BYTES))
    plain = Buffer.concat([decipher.update(blob.subarray(HEADER_BYTES, blob.length - TAG_BYTES)), decipher.final()])
  } catch {
    return undefined
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(plain.toString('utf8'))
  } catch {
    return undefined
  }
  return isSession(parsed) ? parsed : undefined
}
