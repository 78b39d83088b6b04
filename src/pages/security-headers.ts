// The security headers of the proxy's own pages, chosen as helmet options (SPEC §1 prefers the
// ecosystem's library) and turned into one frozen header set at startup. @fastify/helmet is not
// used: with global:false it still adds two onRequest hooks and a closure to every request,
// proxied ones included, and rebuilds helmet's middleware on each reply.helmet() call; the
// headers of a page never vary, so helmet runs once here and a page only copies the result.
// Upstream responses never get them.
import type { IncomingMessage, ServerResponse } from 'node:http'
import helmet, { type HelmetOptions } from 'helmet'
import { PagesInvalidOption } from '../errors.js'
import { parseAllowedDomain } from '../rules/allowed-hosts.js'

// A CSP host-source with a scheme: `https://example.com[:port]`, `https://*.example.com` or an
// IPv6 literal in brackets.
// Anything looser (a bare scheme, a path, a quote or `;`) could widen or break the policy.
const ORIGIN_SOURCE = /^https?:\/\/(?:(?:\*\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/
const IP_LITERAL = /^(?:[\d.]+|\[.*\])$/

export interface FormActionInput {
  // Exact origins: the provider's authorize origin and redirectUrl's origin.
  origins: readonly string[]
  // allowedRedirectDomains entries (SPEC §3): `example.com[:port]`, `.example.com` for the host
  // and its subdomains.
  allowedRedirectDomains: readonly string[]
}

// CSP form-action also governs the redirects that follow a form submission (sign_out's 302 to
// an absolute `rd`), so every place `rd` may point to is listed. The `rd` rule takes http and
// https targets alike, so each domain is listed under both schemes: spelled out rather than
// relying on CSP3's http-to-https upgrade in source matching, which older engines lack.
export function formActionSources ({ origins, allowedRedirectDomains }: FormActionInput): string[] {
  const sources = [...origins]
  for (const entry of allowedRedirectDomains) {
    const parsed = parseAllowedDomain(entry)
    if (!parsed.ok) throw new PagesInvalidOption(`allowedRedirectDomains: ${JSON.stringify(entry)}: ${parsed.reason}`)
    const { hostname, port, subdomains } = parsed.domain
    const suffix = port === '' ? '' : `:${port}`
    // A CSP wildcard matches subdomains only, never the host itself; an IP has none.
    const hosts = subdomains && !IP_LITERAL.test(hostname) ? [hostname, `*.${hostname}`] : [hostname]
    for (const scheme of ['https', 'http']) {
      for (const host of hosts) sources.push(`${scheme}://${host}${suffix}`)
    }
  }
  return sources.map((source) => {
    const lower = source.toLowerCase()
    if (!ORIGIN_SOURCE.test(lower)) {
      throw new PagesInvalidOption(`form-action: ${JSON.stringify(source)} is not an http(s) origin`)
    }
    return lower
  }).filter((source, i, all) => all.indexOf(source) === i)
}

export interface PageHelmetInput {
  // The inline stylesheet's hash-source, e.g. `'sha256-…'`.
  styleHash: string
  formActionSources: readonly string[]
}

// Decisions (the SPEC is silent on them):
// - Referrer-Policy `same-origin` on every page: a form POST from a page under `no-referrer`
//   carries `Origin: null` (Fetch, "serializing a request origin"), which the sign-out origin
//   check cannot tell from a sandboxed frame; `same-origin` sends our own Origin and Referer to
//   ourselves and nothing to other sites, so `rd` in a page's URL never reaches AIHubMix or an
//   `rd` target. One policy for all pages keeps one option set, built once.
// - No Strict-Transport-Security: it pins the whole host, the upstream app included, and
//   belongs to whoever terminates TLS for it, not to a few proxy pages (and is ignored over
//   plain http, where the demo runs).
// - helmet's other defaults stay (Cross-Origin-Opener/Resource-Policy same-origin,
//   Origin-Agent-Cluster, X-Content-Type-Options nosniff, X-DNS-Prefetch-Control off, …).
export function pageHelmetOptions ({ styleHash, formActionSources }: PageHelmetInput): HelmetOptions {
  return {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        styleSrc: [styleHash],
        formAction: ["'self'", ...formActionSources],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"]
      }
    },
    referrerPolicy: { policy: 'same-origin' },
    xFrameOptions: { action: 'deny' },
    strictTransportSecurity: false
  }
}

// Set with helmet's on every page. No-store: pages can carry a user's balance or a provider's
// error, and shared caches must never replay them to someone else.
export const PAGE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'cache-control': 'no-store',
  'content-type': 'text/html; charset=utf-8'
})

// What helmet's middleware sets, captured once: it only calls setHeader/removeHeader, and reads
// the request only for CSP directives given as functions, which pageHelmetOptions never uses.
export function helmetHeaders (options: HelmetOptions): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {}
  const res = {
    setHeader (name: string, value: unknown) { headers[name.toLowerCase()] = String(value) },
    removeHeader (name: string) { delete headers[name.toLowerCase()] }
  }
  helmet(options)({} as IncomingMessage, res as unknown as ServerResponse, (err?: unknown) => {
    if (err !== undefined && err !== null) throw err
  })
  return Object.freeze(headers)
}
