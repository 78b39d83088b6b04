import { hkdfSync } from 'node:crypto'

// One cookieSecret, separate keys per purpose (HKDF, RFC 5869), derived once at startup: a
// sealed login-state cookie can never be replayed as a session ticket, nor the reverse.
// secure-session's own `secret` option would run Argon2id with a fixed salt (STYLE §1.3).
export interface CookieKeys {
  session: Buffer
  loginState: Buffer
}

const SALT = 'aihubmix-auth-proxy/cookie-keys'

export function deriveCookieKeys (cookieSecret: Buffer): CookieKeys {
  return {
    session: derive(cookieSecret, 'session-ticket-v1'),
    loginState: derive(cookieSecret, 'login-state-v1')
  }
}

function derive (secret: Buffer, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, SALT, info, 32))
}
