// The §4 `rd` rule: where a user may be sent after sign-in or sign-out. Anything that is not
// clearly a local path or an absolute http(s) URL on an allowed host becomes '/'.
//
// Decisions (the SPEC is silent on them):
// - Paths are checked as given and again after each round of percent-decoding until nothing
//   changes, because an upstream or a later hop may decode once more (`/%2F%2Fevil.com`,
//   `/%252F%252Fevil.com`). A malformed escape, or more than MAX_DECODE_DEPTH rounds, refuses.
// - The whitespace/control check (Unicode categories C and Z: tab, CR, LF, NUL, NBSP, U+3000,
//   zero-width and bidi characters, lone surrogates) covers the raw string everywhere, and the
//   decoded forms of the path part only: a decoded `%20` in the query cannot change where a
//   browser goes, and `?q=a%20b` is a common, harmless target.
// - A backslash anywhere in the path (raw or decoded) refuses: browsers read it as '/', and
//   no legitimate return path needs one.
// - Dot segments are resolved the way a browser resolves them before the checks, so
//   `/./oauth2/start`, `/x/../oauth2/sign_out` and `/.//evil.com` are caught.
// - authPrefix is compared case-insensitively even though the router is case-sensitive:
//   refusing `/OAUTH2/start` costs nothing, and a case-insensitive hop in front cannot then
//   turn it into a login loop or a sign-out.
// - Absolute targets must be written `http://` or `https://` (any case) literally: WHATWG
//   parsing also accepts `https:evil.com` and `https:\\evil.com`, and other parsers differ.
//   Userinfo (`@` before the host) is refused outright. The returned `rd` is the URL as WHATWG
//   serializes it (punycode host, resolved dots), which is exactly what was checked.
// - A path `rd` is returned as given, except that non-ASCII characters are percent-encoded
//   (UTF-8): Node refuses characters above U+00FF in a `Location` header, and a browser
//   would have encoded them the same way.
// - Longer than MAX_RD_LENGTH refuses: `rd` travels in the 10-minute state cookie, and
//   browsers drop cookies over 4 KB.
import { compileAllowedHosts, isAllowedHost, type AllowedHosts } from './allowed-hosts.js'

export interface RedirectPolicyOptions {
  allowedRedirectDomains: readonly string[]
  redirectUrl: URL
  authPrefix: string
}

export interface RedirectPolicy {
  readonly hosts: AllowedHosts
  // lower-cased, without a trailing '/'
  readonly authPrefix: string
}

export type RedirectRefusal =
  | 'missing' | 'too_long' | 'control_or_whitespace' | 'protocol_relative' | 'backslash'
  | 'malformed_escape' | 'too_deeply_encoded' | 'auth_prefix' | 'not_http_url' | 'userinfo'
  | 'malformed_url' | 'host_not_allowed'

export interface RedirectDecision {
  rd: string
  ok: boolean
  reason?: RedirectRefusal
}

export const MAX_RD_LENGTH = 2048
const MAX_DECODE_DEPTH = 8

// \p{C}: controls, format (zero-width, bidi), surrogates, private use, unassigned;
// \p{Z}: every space and line/paragraph separator, U+0020 included.
const CONTROL_OR_SPACE = /[\p{C}\p{Z}]/u
const NON_ASCII = /[\u0080-\u{10FFFF}]/gu
const HTTP_SCHEME = /^https?:\/\//i
const AUTHORITY_END = /[/?#]/
const PATH_END = /[?#]/

export function compileRedirectPolicy (options: RedirectPolicyOptions): RedirectPolicy {
  return Object.freeze({
    hosts: compileAllowedHosts(options.allowedRedirectDomains, [options.redirectUrl]),
    authPrefix: options.authPrefix.replace(/\/+$/, '').toLowerCase()
  })
}

export function validateRedirect (raw: string | undefined | null, policy: RedirectPolicy): RedirectDecision {
  if (typeof raw !== 'string' || raw === '') return refuse('missing')
  if (raw.length > MAX_RD_LENGTH) return refuse('too_long')
  if (CONTROL_OR_SPACE.test(raw)) return refuse('control_or_whitespace')
  if (raw.startsWith('/')) {
    const end = raw.search(PATH_END)
    const reason = checkPath(end === -1 ? raw : raw.slice(0, end), policy.authPrefix)
    return reason === undefined ? { rd: raw.replace(NON_ASCII, encodeURIComponent), ok: true } : refuse(reason)
  }
  return validateAbsolute(raw, policy)
}

function validateAbsolute (raw: string, policy: RedirectPolicy): RedirectDecision {
  const scheme = HTTP_SCHEME.exec(raw)
  if (scheme === null) return refuse('not_http_url')
  if (raw.includes('\\')) return refuse('backslash')
  const rest = raw.slice(scheme[0].length)
  const end = rest.search(AUTHORITY_END)
  if ((end === -1 ? rest : rest.slice(0, end)).includes('@')) return refuse('userinfo')
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return refuse('malformed_url')
  }
  if (!isAllowedHost(url.hostname, url.port, policy.hosts)) return refuse('host_not_allowed')
  const reason = checkPath(url.pathname, policy.authPrefix)
  return reason === undefined ? { rd: url.href, ok: true } : refuse(reason)
}

// The path part (no query, no fragment), raw and after each decoding round.
function checkPath (path: string, authPrefix: string): RedirectRefusal | undefined {
  let current = path
  let reason = checkDecodedPath(current, authPrefix)
  for (let depth = 0; reason === undefined && current.includes('%'); depth++) {
    if (depth === MAX_DECODE_DEPTH) return 'too_deeply_encoded'
    try {
      current = decodeURIComponent(current)
    } catch {
      return 'malformed_escape'
    }
    reason = checkDecodedPath(current, authPrefix)
  }
  return reason
}

function checkDecodedPath (path: string, authPrefix: string): RedirectRefusal | undefined {
  // path[0] is always '/': decoding never changes a literal first character.
  if (path[1] === '/' || path[1] === '\\') return 'protocol_relative'
  if (CONTROL_OR_SPACE.test(path)) return 'control_or_whitespace'
  if (path.includes('\\')) return 'backslash'
  const resolved = resolveDots(path)
  if (resolved.startsWith('//')) return 'protocol_relative'
  const folded = resolved.toLowerCase()
  if (folded === authPrefix || folded.startsWith(`${authPrefix}/`)) return 'auth_prefix'
  return undefined
}

// RFC 3986 §5.2.4 as a browser applies it: '.' and '..' removed, '..' stops at the root,
// empty segments kept (so `/.//evil.com` resolves to `//evil.com`).
function resolveDots (path: string): string {
  if (!path.includes('.')) return path
  const out: string[] = []
  const segments = path.split('/')
  for (let i = 1; i < segments.length; i++) {
    const segment = segments[i] as string
    const last = i === segments.length - 1
    if (segment === '..') out.pop()
    if (segment === '.' || segment === '..') {
      if (last) out.push('')
      continue
    }
    out.push(segment)
  }
  return `/${out.join('/')}`
}

function refuse (reason: RedirectRefusal): RedirectDecision {
  return { rd: '/', ok: false, reason }
}
