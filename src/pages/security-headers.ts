import { PagesInvalidOption } from '../errors.js'

// A CSP host-source with a scheme: `https://example.com[:port]`, `https://*.example.com` or an
// IPv6 literal in brackets.
// Anything looser (a bare scheme, a path, a quote or `;`) could widen or break the policy.
const ORIGIN_SOURCE = /^https?:\/\/(?:(?:\*\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/

export interface PageCspOptions {
  // The inline stylesheet's hash-source, e.g. `'sha256-…'`.
  styleHash: string
  // Where a form on a page may submit or be redirected to after submitting: CSP form-action
  // also governs the redirects that follow a POST (sign_out's 302 to `rd`, start's 302 to the
  // provider), so the provider's origin and any allowed redirect domains belong here.
  formActionOrigins: readonly string[]
}

export function buildPageCsp ({ styleHash, formActionOrigins }: PageCspOptions): string {
  const sources = formActionOrigins.map((origin) => {
    const lower = origin.toLowerCase()
    if (!ORIGIN_SOURCE.test(lower)) {
      throw new PagesInvalidOption(`formActionOrigins: ${JSON.stringify(origin)} is not an http(s) origin`)
    }
    return lower
  })
  return [
    "default-src 'none'",
    `style-src ${styleHash}`,
    ['form-action', "'self'", ...new Set(sources)].join(' '),
    "frame-ancestors 'none'",
    "base-uri 'none'"
  ].join('; ')
}

export type SecurityHeaders = Readonly<Record<string, string>>

// Set on every page the proxy renders. No-store: pages can carry a user's balance or a
// provider's error, and shared caches must never replay them to someone else.
export function securityHeaders (csp: string): SecurityHeaders {
  return Object.freeze({
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
    'x-frame-options': 'DENY',
    'content-type': 'text/html; charset=utf-8'
  })
}
