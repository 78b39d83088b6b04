// Same-site checks: §4 sign_out (no cross-site logout) and §5 websocket upgrades (no
// cross-site websocket hijacking). The proxy's own origin is the request's own origin (scheme
// and Host as the request arrived) or redirectUrl's origin (§4).
//
// Decisions (the SPEC is silent on them):
// - Origins compare as WHATWG serializes them (lower case, default port omitted), so the
//   caller may pass `https://App.example.com:443` as ownOrigin. An `Origin` header must
//   already be in that form (browsers send it so); anything else counts as foreign.
// - POST sign_out: refused when Sec-Fetch-Site is `cross-site`, when Origin is present and is
//   neither ours nor on an allowed redirect domain, or when Origin is absent and Sec-Fetch-Site
//   says `same-site` (nothing then shows it came from us). An allowed redirect domain on the
//   same site may POST: that is how an app on app.example.com signs out through
//   auth.example.com.
// - `Origin: null` on a POST passes only with `Sec-Fetch-Site: same-origin`. A browser sends
//   `null` for a form on one of our own pages when that page's Referrer-Policy is
//   `no-referrer` (Fetch, "serializing a request origin"), and also for sandboxed frames and
//   data: URLs; but those opaque origins make Sec-Fetch-Site `cross-site`, and no script can
//   set a Sec-* header (forbidden request headers), so `same-origin` proves the form was ours.
//   A request with neither header (curl, very old browsers) passes: there is no cross-site
//   browser to forge it, and the SameSite=Lax session cookie is not sent on cross-site POSTs.
// - GET (and HEAD, which Fastify serves with the GET handler) sign_out: as the SPEC says,
//   allowed when Sec-Fetch-Site is `same-origin` or `none`, or when Origin or Referer is one
//   of our own origins; allowed redirect domains do not count here. Anything else gets the
//   confirmation page. Other methods never sign out.
// - Websocket Origin: must be one of our own origins or an http(s) origin on an allowed
//   redirect domain; missing, empty, `null` or malformed refuses.
import { compileAllowedHosts, isAllowedHost, type AllowedHosts } from './allowed-hosts.js'

export interface OriginPolicyOptions {
  redirectUrl: URL
  allowedRedirectDomains: readonly string[]
}

export interface OriginPolicy {
  readonly redirectOrigin: string
  readonly hosts: AllowedHosts
}

export interface SignOutRequest {
  method: string
  secFetchSite: string | undefined
  origin: string | undefined
  referer: string | undefined
  // e.g. 'https://app.example.com', built from the request's scheme and Host
  ownOrigin: string
}

type OriginKind = 'absent' | 'own' | 'allowed' | 'opaque' | 'foreign'

export function compileOriginPolicy (options: OriginPolicyOptions): OriginPolicy {
  return Object.freeze({
    redirectOrigin: options.redirectUrl.origin,
    // redirectUrl's host is already an own origin; only the domains are needed here.
    hosts: compileAllowedHosts(options.allowedRedirectDomains, [])
  })
}

export function isSameSiteSignOut (request: SignOutRequest, policy: OriginPolicy): boolean {
  const own = canonicalOrigin(request.ownOrigin)
  const origin = classifyOrigin(request.origin, own, policy)
  const site = request.secFetchSite
  if (request.method === 'POST') {
    if (origin === 'opaque') return site === 'same-origin'
    if (site === 'cross-site' || origin === 'foreign') return false
    return !(origin === 'absent' && site === 'same-site')
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') return false
  if (site === 'same-origin' || site === 'none') return true
  return origin === 'own' || isOwnReferer(request.referer, own, policy.redirectOrigin)
}

export function isAllowedWebsocketOrigin (origin: string | undefined, ownOrigin: string, policy: OriginPolicy): boolean {
  const kind = classifyOrigin(origin, canonicalOrigin(ownOrigin), policy)
  return kind === 'own' || kind === 'allowed'
}

function classifyOrigin (origin: string | undefined, own: string | undefined, policy: OriginPolicy): OriginKind {
  if (origin === undefined || origin === '') return 'absent'
  if (origin === 'null') return 'opaque'
  if (origin === own || origin === policy.redirectOrigin) return 'own'
  const url = parseOrigin(origin)
  if (url === undefined) return 'foreign'
  return isAllowedHost(url.hostname, url.port, policy.hosts) ? 'allowed' : 'foreign'
}

// Only a bare http(s) origin, exactly as a browser serializes it; 'null' fails here too.
function parseOrigin (origin: string): URL | undefined {
  const url = parseHttpUrl(origin)
  return url?.origin === origin ? url : undefined
}

function parseHttpUrl (raw: string): URL | undefined {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return undefined
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined
}

// undefined unless http(s): an opaque own origin ('null') must never equal `Origin: null`.
function canonicalOrigin (ownOrigin: string): string | undefined {
  return parseHttpUrl(ownOrigin)?.origin
}

// A Referer is a full URL; it is ours when it is one of our origins followed by '/' (browsers
// always send a path). Compared without parsing, case-insensitively on the origin part.
function isOwnReferer (referer: string | undefined, own: string | undefined, redirectOrigin: string): boolean {
  if (referer === undefined) return false
  return hasOriginPrefix(referer, own) || hasOriginPrefix(referer, redirectOrigin)
}

function hasOriginPrefix (url: string, origin: string | undefined): boolean {
  if (origin === undefined || url.length <= origin.length || url[origin.length] !== '/') return false
  return url.slice(0, origin.length).toLowerCase() === origin
}
