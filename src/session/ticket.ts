// What the session cookie carries (SPEC §7), modelled on oauth2-proxy's
// pkg/sessions/persistence/ticket.go (STYLE §1.7): a random id that names the session in the
// store and a per-session key that decrypts it. The store alone reveals no token and the cookie
// alone is useless. @fastify/secure-session seals this object; a ticket that fails any check
// here is "no session" (secure-session's own habit, STYLE §1.3), never an exception.

export const TICKET_VERSION = 1
/** SPEC §7: the session id has at least 128 random bits */
export const TICKET_ID_BYTES = 16
/** an AES-256-GCM key */
export const TICKET_KEY_BYTES = 32

export interface Ticket {
  v: typeof TICKET_VERSION
  /** base64url of TICKET_ID_BYTES random bytes */
  id: string
  /** base64url of TICKET_KEY_BYTES random bytes */
  key: string
}

export function createTicket (randomBytes: (size: number) => Buffer): Ticket {
  return {
    v: TICKET_VERSION,
    id: randomBytes(TICKET_ID_BYTES).toString('base64url'),
    key: randomBytes(TICKET_KEY_BYTES).toString('base64url')
  }
}

// Canonical base64url only: one byte string has exactly one accepted spelling, so two cookies
// never name the same session through padding or trailing-bit variants.
function isBase64urlOf (value: unknown, bytes: number): value is string {
  if (typeof value !== 'string' || value.length !== Math.ceil(bytes * 4 / 3)) return false
  const decoded = Buffer.from(value, 'base64url')
  return decoded.length === bytes && decoded.toString('base64url') === value
}

const TICKET_FIELDS = ['v', 'id', 'key']

export function parseTicket (value: unknown): Ticket | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
  const obj = value as Record<string, unknown>
  // Exactly these own fields: an inherited or extra field means a ticket we did not write.
  if (Object.keys(obj).length !== TICKET_FIELDS.length) return undefined
  if (!TICKET_FIELDS.every((name) => Object.hasOwn(obj, name))) return undefined
  if (obj.v !== TICKET_VERSION) return undefined
  if (!isBase64urlOf(obj.id, TICKET_ID_BYTES) || !isBase64urlOf(obj.key, TICKET_KEY_BYTES)) return undefined
  return { v: TICKET_VERSION, id: obj.id, key: obj.key }
}

/** The raw AES key of a ticket that parseTicket accepted. */
export function ticketKey (ticket: Ticket): Buffer {
  return Buffer.from(ticket.key, 'base64url')
}
