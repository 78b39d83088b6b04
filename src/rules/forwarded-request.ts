// §6 Traefik ForwardAuth: the request Traefik asks about, rebuilt from the X-Forwarded-Method,
// -Proto, -Host and -Uri headers it sets. Callers read these only from a trustProxy peer:
// Traefik overwrites the client's copies, anyone else could have written them.
//
// Decisions (the SPEC is silent on them):
// - A value that is missing, duplicated (an array, or Node's ', '-joined copy) or malformed is
//   left out rather than refused: the answer for a signed-in user never depends on these
//   headers, and a signed-out one then gets 401 (no method) or rd '/' (no URL).
// - The method must be an RFC 9110 token and is kept as sent (methods are case-sensitive).
// - The URL is built only from `http`/`https` (any case), a host of DNS characters or a
//   bracketed IPv6 literal with an optional port, and a URI of printable ASCII starting with
//   '/' (Traefik sends the escaped request URI). Whether the host is allowed, `//`, authPrefix
//   and the rest are the rd rule's to judge (redirect.ts), not this function's.
// - `path` is the URI's §5-normalized path, for apiRoutes; a path the proxy would refuse is
//   left out, and the caller then never redirects.
import { normalizePath } from './path.js'

export interface ForwardedHeaders {
  method: string | readonly string[] | undefined
  proto: string | readonly string[] | undefined
  host: string | readonly string[] | undefined
  uri: string | readonly string[] | undefined
}

export interface ForwardedRequest {
  method?: string
  url?: string
  path?: string
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
const SCHEME = /^https?$/i
const HOST = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/
const URI = /^\/[\x21-\x7e]*$/

export function readForwardedRequest (headers: ForwardedHeaders): ForwardedRequest {
  const out: ForwardedRequest = {}
  const method = single(headers.method)
  if (method !== undefined && TOKEN.test(method)) out.method = method
  const proto = single(headers.proto)
  const host = single(headers.host)
  const uri = single(headers.uri)
  if (uri === undefined || !URI.test(uri)) return out
  const target = normalizePath(uri)
  if (target.ok) out.path = target.path
  if (proto !== undefined && SCHEME.test(proto) && host !== undefined && HOST.test(host)) {
    out.url = `${proto.toLowerCase()}://${host}${uri}`
  }
  return out
}

function single (value: string | readonly string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined
}
