// The §5 path rule: one normalized path, used both for route matching (skipAuthRoutes,
// apiRoutes) and as the path the upstream receives, so a matcher and the upstream never read
// two different paths.
//
// Decisions (the SPEC is silent on them):
// - The fragment: browsers never send one, but anything from the first '#' on is dropped
//   (from the query too), since it can never name a resource.
// - Absolute-form targets (`http://host/path`, RFC 9112 §3.2.2, which servers must accept)
//   keep only their path; the authority is ignored here (the Host header is the proxy
//   layer's concern). Any other target not starting with '/' (`*`, `example.com/x`) refuses.
// - Percent-escapes are normalized per RFC 3986 §6.2.2: escapes of unreserved characters
//   (ALPHA DIGIT - . _ ~) are decoded, so `%2e` is a dot and `/%61dmin` is `/admin` for the
//   matchers exactly as for the upstream; every other escape is kept with upper-case hex.
//   `%2F` and `%5C` are therefore never separators. A '%' not followed by two hex digits
//   refuses: upstreams disagree on what it means.
// - Raw bytes outside ASCII are percent-encoded byte for byte: Node reads the request line as
//   latin1, so each such character is one byte the client sent, and the upstream decodes the
//   same bytes. Characters above U+00FF cannot come from the wire and refuse.
// - Raw controls and spaces refuse, raw NUL and `%00` refuse, a raw backslash refuses (§5).
// - Tomcat-style path parameters: a segment that is a dot segment followed by parameters
//   (`..;`, `.;x`, `..%3B`) refuses, because Tomcat strips `;...` and then climbs, while a
//   matcher would see a plain name (`/public/..;/admin`). Other `;` stay part of the segment.
// - A segment that contains a dot segment between encoded separators (`..%2F`, `%5C..`)
//   refuses: an upstream that decodes `%2F` or `%5C` would climb where the matcher did not.
// - The query is returned untouched in `search` (with its '?', or '' when absent).
// - A trailing slash is kept (`/a/` and `/a` are different resources to most upstreams);
//   `/a/.` and `/a/b/..` end in '/' as RFC 3986 §5.2.4 says.

export type PathRefusal =
  | 'not_origin_form' | 'invalid_character' | 'nul' | 'backslash' | 'malformed_escape'
  | 'dot_segment_parameter' | 'encoded_dot_segment' | 'above_root'

export type NormalizedTarget =
  | { ok: true, path: string, search: string }
  | { ok: false, reason: PathRefusal }

const ABSOLUTE_FORM = /^https?:\/\/[^/]*/i
// A segment made only of these needs no per-character work.
const PLAIN_SEGMENT = /^[A-Za-z0-9\-._~!$&'()*+,;=:@]*$/
const HEX_DIGIT = /^[0-9A-Fa-f]{2}$/
const UNRESERVED = /^[A-Za-z0-9\-._~]$/
const ENCODED_SEPARATOR = /%2F|%5C/
const PARAMETER_START = /;|%3B/

type SegmentResult = { ok: true, segment: string } | { ok: false, reason: PathRefusal }

export function normalizePath (rawTarget: string): NormalizedTarget {
  const hash = rawTarget.indexOf('#')
  const target = hash === -1 ? rawTarget : rawTarget.slice(0, hash)
  const q = target.indexOf('?')
  let rawPath = q === -1 ? target : target.slice(0, q)
  const search = q === -1 ? '' : target.slice(q)
  if (!rawPath.startsWith('/')) {
    const absolute = ABSOLUTE_FORM.exec(rawPath)
    if (absolute === null) return { ok: false, reason: 'not_origin_form' }
    rawPath = rawPath.slice(absolute[0].length)
  }
  const parts = rawPath.split('/')
  const stack: string[] = []
  let trailingSlash = false
  // parts[0] is '' (the leading '/'), or the empty path of an absolute-form target.
  for (let i = 1; i < parts.length; i++) {
    const result = canonicalSegment(parts[i] as string)
    if (!result.ok) return result
    const segment = result.segment
    trailingSlash = segment === '' || segment === '.' || segment === '..'
    if (segment === '..') {
      if (stack.pop() === undefined) return { ok: false, reason: 'above_root' }
    } else if (!trailingSlash) {
      const reason = checkHiddenDotSegment(segment)
      if (reason !== undefined) return { ok: false, reason }
      stack.push(segment)
    }
  }
  const path = stack.length === 0 ? '/' : `/${stack.join('/')}${trailingSlash ? '/' : ''}`
  return { ok: true, path, search }
}

function checkHiddenDotSegment (segment: string): PathRefusal | undefined {
  if (!segment.includes('.')) return undefined
  for (const piece of segment.split(ENCODED_SEPARATOR)) {
    const name = piece.split(PARAMETER_START)[0]
    if (name === '.' || name === '..') {
      return piece === name ? 'encoded_dot_segment' : 'dot_segment_parameter'
    }
  }
  return undefined
}

function canonicalSegment (raw: string): SegmentResult {
  if (PLAIN_SEGMENT.test(raw)) return { ok: true, segment: raw }
  let out = ''
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i] as string
    const code = ch.charCodeAt(0)
    if (ch === '%') {
      const hex = raw.slice(i + 1, i + 3)
      if (!HEX_DIGIT.test(hex)) return { ok: false, reason: 'malformed_escape' }
      const byte = Number.parseInt(hex, 16)
      if (byte === 0) return { ok: false, reason: 'nul' }
      const decoded = String.fromCharCode(byte)
      out += UNRESERVED.test(decoded) ? decoded : `%${hex.toUpperCase()}`
      i += 2
    } else if (code === 0) {
      return { ok: false, reason: 'nul' }
    } else if (ch === '\\') {
      return { ok: false, reason: 'backslash' }
    } else if (code <= 0x20 || code === 0x7F || code > 0xFF) {
      return { ok: false, reason: 'invalid_character' }
    } else if (code > 0x7F) {
      out += `%${code.toString(16).toUpperCase()}`
    } else {
      out += ch
    }
  }
  return { ok: true, segment: out }
}

// §6: Envoy's ext_authz appends the original request path, as the client wrote it, to its
// `path_prefix`, and takes a 200 as "allow". Resolved like any other target,
// `<authPrefix>/auth/../sign_in` would reach sign_in and `<authPrefix>/auth/../../public/x` a
// skipped route, both answering 200. So a raw target whose path is `<authPrefix>/auth` or starts
// with `<authPrefix>/auth/` belongs to forward-auth before any normalization, whatever follows;
// only `<authPrefix>/auth/traefik` exactly stays Traefik's endpoint. Compared without
// allocating: this runs on every request.
const AUTH = '/auth'
const TRAEFIK = '/traefik'

export function isForwardAuthTarget (rawTarget: string, authPrefix: string): boolean {
  if (!rawTarget.startsWith(authPrefix) || !rawTarget.startsWith(AUTH, authPrefix.length)) return false
  const at = authPrefix.length + AUTH.length
  if (endsPath(rawTarget, at)) return true
  if (rawTarget[at] !== '/') return false
  return !rawTarget.startsWith(TRAEFIK, at) || !endsPath(rawTarget, at + TRAEFIK.length)
}

function endsPath (rawTarget: string, at: number): boolean {
  const ch = rawTarget[at]
  return ch === undefined || ch === '?' || ch === '#'
}
