// The HTML pages the proxy renders (SPEC §4 sign-in and sign-out, §5 and §7 error pages):
// pure rendering, no Fastify and no I/O. createPages precomputes the stylesheet element, its
// CSP hash and the header options once; each render only fills a template.
import type { HelmetOptions } from 'helmet'
import { renderErrorPage, type ErrorPageInput } from './error-page.js'
import { renderDocument, type PageContent } from './layout.js'
import { formActionSources, helmetHeaders, PAGE_HEADERS, pageHelmetOptions } from './security-headers.js'
import { renderSignIn, renderSignOutConfirm, type SignInInput, type SignOutConfirmInput } from './sign-in.js'
import { hashStyle, STYLESHEET } from './style.js'

export { escapeHtml } from './escape.js'
export { ERROR_STATUS, type ErrorPageInput } from './error-page.js'
export { pickLanguage, DEFAULT_LANG, type Lang } from './language.js'
export { formActionSources, helmetHeaders, PAGE_HEADERS, pageHelmetOptions } from './security-headers.js'
export { MAX_DESCRIPTION_CHARS, type ProviderError, type SignInInput, type SignOutConfirmInput } from './sign-in.js'
export { ERROR_KINDS, type ErrorKind } from './strings.js'

export interface PagesOptions {
  // Where a page's form may post or be redirected to (CSP form-action), besides 'self': exact
  // origins (the provider's authorize origin, redirectUrl's origin) and the allowed absolute
  // `rd` targets as configured (`.example.com` for the host and its subdomains).
  formActionOrigins?: readonly string[]
  allowedRedirectDomains?: readonly string[]
}

export interface RenderedPage {
  status: number
  html: string
  // PAGE_HEADERS and the security headers helmet chose, ready for reply.headers().
  headers: Readonly<Record<string, string>>
}

export interface Pages {
  // The helmet options the pages' headers were built from (CSP, Referrer-Policy, framing, …).
  readonly helmet: Readonly<HelmetOptions>
  signIn: (input: SignInInput) => RenderedPage
  signOutConfirm: (input: SignOutConfirmInput) => RenderedPage
  errorPage: (input: ErrorPageInput) => RenderedPage
}

export function createPages (options: PagesOptions = {}): Pages {
  const styleElement = `<style>${STYLESHEET}</style>`
  const helmet = pageHelmetOptions({
    styleHash: hashStyle(STYLESHEET),
    formActionSources: formActionSources({
      origins: options.formActionOrigins ?? [],
      allowedRedirectDomains: options.allowedRedirectDomains ?? []
    })
  })
  const headers = Object.freeze({ ...helmetHeaders(helmet), ...PAGE_HEADERS })
  const finish = (content: PageContent): RenderedPage => ({
    status: content.status,
    html: renderDocument(content, styleElement),
    headers
  })
  return Object.freeze({
    helmet,
    signIn: (input: SignInInput) => finish(renderSignIn(input)),
    signOutConfirm: (input: SignOutConfirmInput) => finish(renderSignOutConfirm(input)),
    errorPage: (input: ErrorPageInput) => finish(renderErrorPage(input))
  })
}
