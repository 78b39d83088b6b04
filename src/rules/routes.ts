// skipAuthRoutes and apiRoutes (§3, §5), matched on the normalized path from path.ts, never on
// the raw URL, and never on the query.
//
// Decisions (the SPEC is silent on them):
// - Matching is case-sensitive and the loader adds no `i` flag: most upstream routers are
//   case-sensitive, and skipAuthRoutes is an allow-list, so `/PUBLIC/x` not matching
//   `^/public/` fails safe (it needs a session). A regex that wants both cases says `[Pp]`.
//   Flags a compiled RegExp already carries are kept, except `g` and `y`: with those,
//   `test()` keeps `lastIndex` between requests and would answer differently each time.
// - No trailing-dot or `;` folding: `/public./x` or `/public;x/y` do not match `^/public/`, which
//   again fails safe. Anchor your regexes (`^/public/`, not `public`), or `/admin/public/`
//   matches too.
// - HEAD matches a `GET=` rule: Fastify answers HEAD with the GET route, and a rule that lets
//   GET through unauthenticated reveals nothing more through HEAD. A rule without a method
//   applies to every method.

export interface RouteRuleOptions {
  skipAuthRoutes: ReadonlyArray<{ method?: string | undefined, pattern: RegExp }>
  apiRoutes: readonly RegExp[]
}

export interface RouteRules {
  readonly skipAuth: ReadonlyArray<{ readonly method: string | undefined, readonly pattern: RegExp }>
  readonly api: readonly RegExp[]
}

export function compileRouteRules (options: RouteRuleOptions): RouteRules {
  return Object.freeze({
    skipAuth: Object.freeze(options.skipAuthRoutes.map((rule) => Object.freeze({
      method: rule.method === undefined || rule.method === '' ? undefined : rule.method.toUpperCase(),
      pattern: statelessCopy(rule.pattern)
    }))),
    api: Object.freeze(options.apiRoutes.map(statelessCopy))
  })
}

export function isSkipAuth (method: string, normalizedPath: string, rules: RouteRules): boolean {
  const upper = method.toUpperCase()
  const asGet = upper === 'HEAD' ? 'GET' : upper
  for (const rule of rules.skipAuth) {
    if (rule.method !== undefined && rule.method !== upper && rule.method !== asGet) continue
    if (rule.pattern.test(normalizedPath)) return true
  }
  return false
}

export function isApiRoute (normalizedPath: string, rules: RouteRules): boolean {
  for (const pattern of rules.api) {
    if (pattern.test(normalizedPath)) return true
  }
  return false
}

// A copy, so that a RegExp shared with the config is never mutated through lastIndex.
function statelessCopy (pattern: RegExp): RegExp {
  return new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''))
}
