// Which hosts count as "ours" for absolute `rd` targets (§4), websocket Origins (§5) and
// top-up URLs: `redirectUrl`'s host plus `allowedRedirectDomains`. Shared by redirect.ts and
// origin.ts so that both read an entry the same way.
//
// Decisions (SPEC §3 is silent on them):
// - `example.com` allows exactly that host; `.example.com` allows it and every subdomain.
// - An entry may carry a port (`example.com:8443`); without one, only URLs on the scheme's
//   default port match (as oauth2-proxy does), so `https://example.com:9999` is refused.
// - Hosts compare in the ASCII form the browser will use: WHATWG URL parsing lower-cases,
//   applies IDNA (punycode) and normalizes IPv4/IPv6 literals, on the entries and on the target.
// - A trailing dot (`example.com.`) is the same DNS name but a different origin for cookies
//   and CORS; it is never equal to `example.com`, and entries may not be written with one.

export interface AllowedDomain {
  // ASCII, lower-cased, as `URL#hostname` gives it (IPv6 in brackets)
  readonly hostname: string
  // '' for the scheme's default port
  readonly port: string
  readonly subdomains: boolean
}

export interface AllowedHosts {
  // `URL#host` form: hostname, plus `:port` when not the default
  readonly exact: ReadonlySet<string>
  readonly suffixes: ReadonlyArray<{ readonly dotted: string, readonly port: string }>
}

export type ParsedDomain =
  | { ok: true, domain: AllowedDomain }
  | { ok: false, reason: string }

const DOMAIN_EXPECTED = 'expected a host name such as example.com or .example.com, optionally with :port'
// Userinfo, paths, wildcards and whitespace have no place in a host entry; `*.example.com`
// (oauth2-proxy's spelling) is refused with the hint rather than silently never matching.
const FORBIDDEN_IN_ENTRY = /[\s/?#@\\*%]/
const HOST_AND_PORT = /^(\[[^\]]*\]|[^:]+)(?::(\d{1,5}))?$/
const PLAIN_HOSTNAME = /^(?:[a-z0-9-]+\.)*[a-z0-9-]+$|^\[[0-9a-f:.]+\]$/

// For the config loader too: it can report a bad entry as one plain line (§3).
export function parseAllowedDomain (entry: string): ParsedDomain {
  const subdomains = entry.startsWith('.')
  const rest = subdomains ? entry.slice(1) : entry
  if (rest === '' || FORBIDDEN_IN_ENTRY.test(rest)) return { ok: false, reason: DOMAIN_EXPECTED }
  const match = HOST_AND_PORT.exec(rest)
  if (match === null) return { ok: false, reason: DOMAIN_EXPECTED }
  const host = match[1] as string
  const port = match[2] ?? ''
  let hostname: string
  try {
    hostname = new URL(`http://${host}`).hostname
  } catch {
    return { ok: false, reason: DOMAIN_EXPECTED }
  }
  if (!PLAIN_HOSTNAME.test(hostname) || Number(port) > 65535) {
    return { ok: false, reason: DOMAIN_EXPECTED }
  }
  return { ok: true, domain: { hostname, port: port === '' ? '' : String(Number(port)), subdomains } }
}

// Throws a TypeError on a bad entry: the config loader validates entries with
// parseAllowedDomain first, so reaching it is a programming error, not a user's.
export function compileAllowedHosts (domains: readonly string[], alwaysAllowed: readonly URL[]): AllowedHosts {
  const exact = new Set<string>()
  const suffixes: Array<{ dotted: string, port: string }> = []
  for (const url of alwaysAllowed) exact.add(url.host)
  for (const entry of domains) {
    const parsed = parseAllowedDomain(entry)
    if (!parsed.ok) throw new TypeError(`allowedRedirectDomains: ${JSON.stringify(entry)}: ${parsed.reason}`)
    const { hostname, port, subdomains } = parsed.domain
    exact.add(port === '' ? hostname : `${hostname}:${port}`)
    if (subdomains) suffixes.push(Object.freeze({ dotted: `.${hostname}`, port }))
  }
  return Object.freeze({ exact, suffixes: Object.freeze(suffixes) })
}

// hostname and port as a WHATWG URL reports them (port '' when default).
export function isAllowedHost (hostname: string, port: string, hosts: AllowedHosts): boolean {
  if (hosts.exact.has(port === '' ? hostname : `${hostname}:${port}`)) return true
  for (const s of hosts.suffixes) {
    // `.example.com` itself (an empty first label) is not a subdomain
    if (s.port === port && hostname.length > s.dotted.length && hostname.endsWith(s.dotted)) return true
  }
  return false
}
