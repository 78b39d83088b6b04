// §5: headers a client must never be able to set, removed from every request before anything
// else runs, on every route (skipped ones too), so an upstream can trust what it receives.
//
// - Identity header names compare case-insensitively with '_' read as '-': CGI, WSGI and Rack
//   map `X_User_Id` to the same variable as `X-User-Id` (HTTP_X_USER_ID).
// - The proxy's own cookies (session and state, under their exact configured names, `__Host-`
//   prefix included) are removed from `Cookie`: the upstream has no use for the sealed ticket,
//   and an upstream that logs or reflects cookies must not leak it.
// - X-Forwarded-* and Forwarded are left alone (the proxy layer replaces or appends them
//   according to trustProxy), and so is Authorization (the bearer layer removes it only when it
//   was used as a proxy bearer).
//
// Decisions (the SPEC is silent on them):
// - stripClientHeaders mutates the headers object in place: it runs on every request, first,
//   and copying every request's headers would cost an allocation for nothing.
// - Cookie pairs that stay are kept byte for byte and in order; when one is removed, the rest
//   are joined with '; ' (the separator RFC 6265 §5.4 prescribes) and empty pairs are dropped.
//   A `Cookie` left with no pair is deleted. Cookie names compare exactly (they are
//   case-sensitive), after the optional whitespace around a pair is trimmed, as browsers do.
// - Node lower-cases header names, but other callers may not: `Cookie` is found in any case,
//   and an array value (several Cookie headers) is read as one joined by '; '.

export type HeaderMap = Record<string, string | string[] | undefined>

export interface HeaderStripPolicy {
  readonly cookieNames: ReadonlySet<string>
  // the login-state cookies carry one name per login in flight, all under one prefix
  readonly cookiePrefixes: readonly string[]
}

export function compileHeaderStripPolicy (options: { cookieNames: readonly string[], cookiePrefixes?: readonly string[] }): HeaderStripPolicy {
  return Object.freeze({ cookieNames: new Set(options.cookieNames), cookiePrefixes: Object.freeze([...options.cookiePrefixes ?? []]) })
}

export function isSpoofableHeaderName (name: string): boolean {
  // Every spoofable name starts with x-; most headers are rejected on the first character.
  if (name.length < 7 || (name[0] !== 'x' && name[0] !== 'X')) return false
  const canonical = name.toLowerCase().replaceAll('_', '-')
  return canonical.startsWith('x-user-') ||
    canonical.startsWith('x-auth-request-') ||
    canonical === 'x-access-token' ||
    canonical === 'x-auth-assertion'
}

export function stripClientHeaders (headers: HeaderMap, policy: HeaderStripPolicy): void {
  for (const name of Object.keys(headers)) {
    if (isSpoofableHeaderName(name)) {
      delete headers[name]
    } else if (name.length === 6 && name.toLowerCase() === 'cookie') {
      const value = headers[name]
      if (value === undefined) continue
      const kept = removeCookies(typeof value === 'string' ? value : value.join('; '), policy.cookieNames, policy.cookiePrefixes)
      if (kept === undefined) delete headers[name]
      else headers[name] = kept
    }
  }
}

// Returns the header unchanged when none of `names` is in it, and undefined when no pair is
// left (an empty header included), so the caller deletes `Cookie` instead of sending it empty.
export function removeCookies (cookieHeader: string, names: ReadonlySet<string>, prefixes: readonly string[] = []): string | undefined {
  const pairs = cookieHeader.split(';')
  const kept: string[] = []
  let removed = false
  for (const pair of pairs) {
    const trimmed = pair.trim()
    const eq = trimmed.indexOf('=')
    // A pair without '=' is a cookie with an empty name (RFC 6265bis §5.6), never one of ours.
    const name = eq === -1 ? '' : trimmed.slice(0, eq).trim()
    if (names.has(name) || (name !== '' && prefixes.some((prefix) => name.startsWith(prefix)))) removed = true
    else if (trimmed !== '') kept.push(trimmed)
  }
  if (!removed) return kept.length === 0 ? undefined : cookieHeader
  return kept.length === 0 ? undefined : kept.join('; ')
}
