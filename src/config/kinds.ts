// The catalogue of option kinds used by schema.ts. Secret kinds never quote their input.
import { createPrivateKey } from 'node:crypto'
import { Type } from 'typebox'
import { kind, refine, type Kind } from './kind.js'
import {
  bad, compileRegex, formatDuration, formatHostPort, formatRoute, ok, parseDomain, parseDuration,
  parseHostPort, parseRoute, parseTrustedHop, quote, regexText, splitList, type HostPort, type Parsed, type Route
} from './parse.js'

const Str = Type.String()
// YAML reads `clientId: 12345` or `allowedUsers: [42]` as numbers; the user meant the text.
const TextRaw = Type.Union([Type.String(), Type.Number()])
const ListRaw = Type.Union([Type.String(), Type.Array(TextRaw)])

export function text (expected = 'a non-empty string'): Kind<string> {
  return kind(TextRaw, {
    expected,
    placeholder: '<string>',
    parse: (raw) => String(raw).trim() === '' ? bad(`is empty; expected ${expected}`) : ok(String(raw)),
    format: (v) => v
  })
}

export function pattern (re: RegExp, expected: string): Kind<string> {
  return refine(text(expected), (v) => re.test(v) ? undefined : `${quote(v)} is not accepted; expected ${expected}`)
}

const BOOLEANS = new Map<unknown, boolean>([
  [true, true], [false, false], ['true', true], ['false', false], ['1', true], ['0', false], [1, true], [0, false]
])

export const bool: Kind<boolean> = kind(
  Type.Union([Type.Boolean(), Type.String(), Type.Literal(0), Type.Literal(1)]), {
    expected: 'true or false',
    placeholder: '',
    flag: 'boolean',
    parse: (raw) => {
      const b = BOOLEANS.get(typeof raw === 'string' ? raw.trim().toLowerCase() : raw)
      return b === undefined ? bad(`${quote(raw)} is not a boolean; expected true or false (or 1, 0)`) : ok(b)
    },
    format: (v) => v
  })

export function oneOf<const V extends string> (values: readonly V[]): Kind<V> {
  const expected = values.join(', ')
  return kind(Str, {
    expected: `one of ${expected}`,
    placeholder: `<${values.join('|')}>`,
    parse: (raw) => (values as readonly string[]).includes(raw)
      ? ok(raw as V)
      : bad(`${quote(raw)} is not accepted; expected one of ${expected}`),
    format: (v) => v
  })
}

export function duration ({ min = 0, max = Infinity }: { min?: number, max?: number } = {}): Kind<number> {
  const base = kind(Type.Union([Type.String(), Type.Integer({ minimum: 0 })]), {
    expected: 'a duration such as 90, 90s, 5m, 2h or 7d',
    placeholder: '<duration>',
    parse: parseDuration,
    format: formatDuration
  })
  return refine(base, (ms, raw) => ms < min
    ? `${quote(raw)} is too short; expected at least ${formatDuration(min)}`
    : ms > max ? `${quote(raw)} is too long; expected at most ${formatDuration(max)}` : undefined)
}

export const decimal: Kind<number> = kind(Type.Union([Type.Number(), Type.String()]), {
  expected: 'a decimal number such as 1 or 0.5',
  placeholder: '<number>',
  parse: (raw) => typeof raw === 'number'
    ? (Number.isFinite(raw) ? ok(raw) : bad('is not a finite number'))
    : /^-?\d+(?:\.\d+)?$/.test(raw.trim()) ? ok(Number(raw)) : bad(`${quote(raw)} is not a decimal number; expected e.g. 1 or 0.5`),
  format: (v) => v
})

// An absolute http(s) URL. Credentials are refused: check-config prints these URLs.
export const httpUrl: Kind<URL> = kind(Str, {
  expected: 'an absolute http(s) URL',
  placeholder: '<url>',
  parse: (raw) => {
    const u = URL.canParse(raw) ? new URL(raw) : undefined
    if (u === undefined || (u.protocol !== 'http:' && u.protocol !== 'https:')) {
      return bad(`${quote(raw)} is not an absolute http(s) URL; expected e.g. https://app.example.com`)
    }
    if (u.username !== '' || u.password !== '') return bad('holds credentials; expected a URL without user:password@')
    if (u.hash !== '') return bad(`${quote(raw)} has a #fragment; expected none`)
    return ok(u)
  },
  format: (v) => v.href
})

export const hostPort: Kind<HostPort> = kind(Str, {
  expected: 'host:port',
  placeholder: '<host:port>',
  parse: parseHostPort,
  format: formatHostPort
})

// '' disables (metricsListen).
export const hostPortOrOff: Kind<HostPort | null> = kind(Str, {
  expected: 'host:port, or empty to disable',
  placeholder: '<host:port>',
  parse: (raw) => raw.trim() === '' ? ok(null) : parseHostPort(raw),
  format: (v) => v === null ? '' : formatHostPort(v)
})

// A comma-separated string or a YAML list; a repeated flag adds items.
export function listOf<T> (item: (s: string) => Parsed<T>, show: (v: T) => string, placeholder: string): Kind<T[]> {
  return kind(ListRaw, {
    expected: 'a comma-separated string or a list of strings',
    placeholder: `<${placeholder},...>`,
    multiple: true,
    parse: (raw) => {
      // YAML list items are taken whole; strings (env, flags) are split at commas
      const items = Array.isArray(raw) ? raw.map((s) => String(s).trim()) : splitList(raw)
      const values: T[] = []
      const problems: string[] = []
      for (const s of items.filter((s) => s !== '')) {
        const r = item(s)
        if (r.ok) values.push(r.value)
        else problems.push(r.problem)
      }
      return problems.length === 0 ? ok(values) : bad(problems.join('; '))
    },
    format: (v) => v.map(show)
  })
}

const asIs = (s: string): string => s

export const strings: Kind<string[]> = listOf(ok, asIs, 'value')
export const domains: Kind<string[]> = listOf(parseDomain, asIs, 'domain')
export const routes: Kind<Route[]> = listOf(parseRoute, formatRoute, '[METHOD=]regex')
export const regexes: Kind<RegExp[]> = listOf(compileRegex, regexText, 'regex')
export const hostPorts: Kind<HostPort[]> = refine(listOf(parseHostPort, formatHostPort, 'host:port'),
  (v) => v.length === 0 ? 'is empty; expected at least one host:port' : undefined)

// false/'' for none; addresses and CIDRs otherwise (STYLE §3.3: no hop counts, no `true`).
export const trustedHops: Kind<string[] | false> = kind(Type.Union([ListRaw, Type.Boolean(), Type.Integer()]), {
  expected: 'false, or addresses and CIDRs, comma separated',
  placeholder: '<cidr,...>',
  parse: (raw) => {
    if (raw === false || raw === 'false' || raw === '') return ok(false)
    if (raw === true || raw === 'true') {
      return bad('true would trust X-Forwarded-* from any client; expected the proxies\' addresses or CIDRs, e.g. 10.0.0.0/8')
    }
    const r = listOf(parseTrustedHop, asIs, 'cidr').parse(typeof raw === 'number' ? String(raw) : raw)
    return r.ok && r.value.length === 0 ? ok(false) : r
  },
  format: (v) => v
})

// `N/duration`; `0` disables.
export const rateLimit: Kind<{ max: number, windowMs: number } | null> = kind(Type.Union([Str, Type.Literal(0)]), {
  expected: 'N/duration such as 20/1m, or 0 to disable',
  placeholder: '<N/duration>',
  parse: (raw) => {
    if (raw === 0 || raw.trim() === '0') return ok(null)
    const m = /^(\d{1,9})\/(.+)$/.exec(raw.trim())
    const windowMs = m === null ? undefined : parseDuration(m[2] as string)
    if (m === null || windowMs === undefined || !windowMs.ok || windowMs.value === 0 || Number(m[1]) === 0) {
      return bad(`${quote(raw)} is not a rate; expected N/duration such as 20/1m, or 0 to disable`)
    }
    return ok({ max: Number(m[1]), windowMs: windowMs.value })
  },
  format: (v) => v === null ? '0' : `${v.max}/${formatDuration(v.windowMs)}`
})

// SPEC §3: >= 32 bytes, raw or base64. A value that is valid base64/base64url and decodes to
// >= 32 bytes is decoded (what generate-secret prints); anything else is taken as UTF-8 bytes.
export const cookieSecret: Kind<Buffer> = kind(Str, {
  expected: 'a string of at least 32 bytes',
  placeholder: '<secret>',
  parse: (raw) => {
    const s = raw.trim()
    const b64 = s.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '')
    const decoded = Buffer.from(b64, 'base64')
    if (/^[A-Za-z0-9+/]+$/.test(b64) && decoded.toString('base64').replace(/=+$/, '') === b64 && decoded.length >= 32) {
      return ok(decoded)
    }
    const bytes = Buffer.from(raw, 'utf8')
    if (bytes.length >= 32) return ok(bytes)
    return bad(`is ${bytes.length} bytes; expected at least 32 bytes, raw or base64 (generate-secret prints one)`)
  },
  format: () => '[redacted]'
})

// May carry a password: never quoted.
export const redisUrl: Kind<string> = kind(Str, {
  expected: 'a redis:// or rediss:// URL',
  placeholder: '<url>',
  parse: (raw) => {
    const u = URL.canParse(raw) ? new URL(raw) : undefined
    if (u === undefined || (u.protocol !== 'redis:' && u.protocol !== 'rediss:') || u.hostname === '') {
      return bad('is not a redis:// or rediss:// URL; expected e.g. redis://:password@redis:6379/0')
    }
    return ok(raw)
  },
  format: () => '[redacted]'
})

export const privateKey: Kind<string> = kind(Str, {
  expected: 'a PEM private key',
  placeholder: '<pem>',
  parse: (raw) => {
    let key
    try {
      key = createPrivateKey(raw)
    } catch {
      return bad('is not a PEM private key; expected an Ed25519 or P-256 key, e.g. from `openssl genpkey -algorithm ed25519`')
    }
    const curve = key.asymmetricKeyDetails?.namedCurve
    if (key.asymmetricKeyType === 'ed25519' || (key.asymmetricKeyType === 'ec' && curve === 'prime256v1')) return ok(raw)
    return bad(`is a ${key.asymmetricKeyType ?? 'unknown'}${curve === undefined ? '' : ' ' + curve} key; expected Ed25519 or P-256 (prime256v1)`)
  },
  format: () => '[redacted]'
})
