// Pure text parsers for option values (SPEC §3). Each returns the value or a problem phrased as
// "what is wrong; expected what", never echoing a value the caller may consider secret.
import { isIP } from 'node:net'

export type Parsed<T> = { ok: true, value: T } | { ok: false, problem: string }

export function ok<T> (value: T): Parsed<T> {
  return { ok: true, value }
}

export function bad<T = never> (problem: string): Parsed<T> {
  return { ok: false, problem }
}

// Quotes a user value inside a problem line: JSON escaping keeps the line a single line, and
// the cut keeps a pasted PEM or a huge value from flooding the terminal.
export function quote (raw: unknown): string {
  const s = JSON.stringify(typeof raw === 'string' ? raw : String(raw))
  return s.length > 80 ? s.slice(0, 77) + '…"' : s
}

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const
const DURATION = /^(\d{1,9})([smhd])?$/

export function parseDuration (raw: string | number): Parsed<number> {
  const m = DURATION.exec(String(raw).trim())
  if (m === null || m[1] === undefined) {
    return bad(`${quote(raw)} is not a duration; expected seconds or a number with s, m, h or d, e.g. 90, 90s, 5m, 2h, 7d`)
  }
  const unit = (m[2] ?? 's') as keyof typeof UNIT_MS
  return ok(Number(m[1]) * UNIT_MS[unit])
}

// The largest unit that divides evenly, so check-config prints 30d rather than 2592000s.
export function formatDuration (ms: number): string {
  for (const unit of ['d', 'h', 'm'] as const) {
    if (ms !== 0 && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`
  }
  return `${Math.round(ms / 1000)}s`
}

export interface HostPort { host: string, port: number }

const HOST_PORT = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:/[\]@]+)):(\d{1,5})$/

export function parseHostPort (raw: string): Parsed<HostPort> {
  const m = HOST_PORT.exec(raw.trim())
  const host = m?.[1] ?? m?.[2]
  const port = Number(m?.[3])
  if (m === null || host === undefined || port > 65535) {
    return bad(`${quote(raw)} is not host:port; expected e.g. 0.0.0.0:4180, localhost:6379 or [::1]:4180`)
  }
  if (m[1] !== undefined && isIP(host) !== 6) return bad(`${quote(raw)} has an invalid IPv6 address in brackets`)
  return ok({ host, port })
}

export function formatHostPort ({ host, port }: HostPort): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`
}

const OPENERS: Record<string, string> = { '(': ')', '[': ']', '{': '}' }

// Splits at commas that are not inside (), [] or {} and not escaped, so a regex such as
// `^/a{1,3}$` survives a comma-separated list (SPEC §3 lists are comma separated).
export function splitList (raw: string): string[] {
  const items: string[] = []
  const stack: string[] = []
  let current = ''
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string
    if (c === '\\' && i + 1 < raw.length) {
      current += c + (raw[++i] as string)
      continue
    }
    if (c === ',' && stack.length === 0) {
      items.push(current)
      current = ''
      continue
    }
    const closer = OPENERS[c]
    if (closer !== undefined && stack.at(-1) !== ']') stack.push(closer)
    else if (c === stack.at(-1)) stack.pop()
    current += c
  }
  items.push(current)
  return items.map((s) => s.trim()).filter((s) => s !== '')
}

export function compileRegex (source: string): Parsed<RegExp> {
  try {
    return ok(new RegExp(source))
  } catch (err) {
    return bad(`${quote(source)} is not a valid regular expression (${(err as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '')})`)
  }
}

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'CONNECT'] as const

export interface Route { method: string | undefined, pattern: RegExp }

// `regex` or `METHOD=regex`. A leading word followed by '=' is read as a method, so a regex
// that must start with `word=` is written with an anchor or group, e.g. `^a=b`.
export function parseRoute (raw: string): Parsed<Route> {
  const m = /^([A-Za-z]+)=(.*)$/s.exec(raw)
  if (m === null) {
    const re = compileRegex(raw)
    return re.ok ? ok({ method: undefined, pattern: re.value }) : re
  }
  const method = (m[1] as string).toUpperCase()
  if (!(HTTP_METHODS as readonly string[]).includes(method)) {
    return bad(`${quote(m[1])} in ${quote(raw)} is not an HTTP method; expected METHOD=regex with one of ${HTTP_METHODS.join(', ')}`)
  }
  const re = compileRegex(m[2] as string)
  return re.ok ? ok({ method, pattern: re.value }) : re
}

// RegExp#source escapes '/', which is the same pattern; show it as the user wrote it.
export function regexText (re: RegExp): string {
  return re.source.replace(/\\\//g, '/')
}

export function formatRoute (route: Route): string {
  return route.method === undefined ? regexText(route.pattern) : `${route.method}=${regexText(route.pattern)}`
}

const DOMAIN = /^\.?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/

// Hosts for allowedRedirectDomains / allowedEmailDomains: `example.com` or `.example.com`.
export function parseDomain (raw: string): Parsed<string> {
  const d = raw.trim().toLowerCase()
  if (DOMAIN.test(d)) return ok(d)
  const hint = d.startsWith('*.')
    ? ` (write ${quote(d.slice(1))} for subdomains)`
    : d.startsWith('@') ? ` (write ${quote(d.slice(1))})` : ''
  return bad(`${quote(raw)} is not a domain name${hint}; expected example.com, or .example.com for its subdomains`)
}

// proxy-addr's named ranges, which Fastify's trustProxy accepts beside addresses and CIDRs.
const PROXY_ADDR_NAMES = ['loopback', 'linklocal', 'uniquelocal']

export function parseTrustedHop (raw: string): Parsed<string> {
  if (/^\d+$/.test(raw)) {
    return bad(`${quote(raw)} is a hop count; Fastify 5.12 no longer trusts numeric hop counts, expected the proxies' addresses or CIDRs, e.g. 10.0.0.0/8`)
  }
  if (PROXY_ADDR_NAMES.includes(raw)) return ok(raw)
  const [addr, bits, extra] = raw.split('/')
  const family = isIP(addr ?? '')
  const maxBits = family === 6 ? 128 : 32
  const bitsOk = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= maxBits)
  if (family === 0 || !bitsOk || extra !== undefined) {
    return bad(`${quote(raw)} is not an address or CIDR; expected e.g. 10.0.0.1, 10.0.0.0/8, fd00::/8 or ${PROXY_ADDR_NAMES.join(', ')}`)
  }
  return ok(raw)
}
