// The HTML pages the proxy renders (SPEC §4 sign-in and sign-out, §5 and §7 error pages):
// pure rendering, no Fastify and no I/O. createPages precomputes the stylesheet element, its
// CSP hash and the headers once; each render only fills a template.
import { renderErrorPage, type ErrorPageInput } from './error-page.js'
import { renderDocument, type PageContent } from './layout.js'
import { buildPageCsp, securityHeaders, type SecurityHeaders } from './security-headers.js'
import { renderSignIn, renderSignOutConfirm, type SignInInput, type SignOutConfirmInput } from './sign-in.js'
import { hashStyle, STYLESHEET } from './style.js'

export { escapeHtml } from './escape.js'
export { ERROR_STATUS, type ErrorPageInput } from './error-page.js'
export { pickLanguage, DEFAULT_LANG, type Lang } from './language.js'
export { buildPageCsp, securityHeaders, type SecurityHeaders } from './security-headers.js'
export { MAX_DESCRIPTION_CHARS, type ProviderError, type SignInInput, type SignOutConfirmInput } from './sign-in.js'
export { ERROR_KINDS, type ErrorKind } from './strings.js'

export interface PagesOptions {
  // Origins a page's form may post or be redirected to (CSP form-action), besides 'self':
  // the provider's origin, and the origins of allowed absolute `rd` targets
  // (`https://*.example.com` for `.example.com`).
  formActionOrigins?: readonly string[]
}

export interface RenderedPage {
  status: number
  html: string
  // securityHeaders(csp), ready for reply.headers().
  headers: SecurityHeaders
}

export interface Pages {
  // The Content-Security-Policy value every page carries.
  readonly csp: string
  readonly headers: SecurityHeaders
  signIn: (input: SignInInput) => RenderedPage
  signOutConfirm: (input: SignOutConfirmInput) => RenderedPage
  errorPage: (input: ErrorPageInput) => RenderedPage
}

export function createPages (options: PagesOptions = {}): Pages {
  const styleElement = `<style>${STYLESHEET}</style>`
  const csp = buildPageCsp({
    styleHash: hashStyle(STYLESHEET),
    formActionOrigins: options.formActionOrigins ?? []
  })
  const headers = securityHeaders(csp)
  const finish = (content: PageContent): RenderedPage => ({
    status: content.status,
    html: renderDocument(content, styleElement),
    headers
  })
  return Object.freeze({
    csp,
    headers,
    signIn: (input: SignInInput) => finish(renderSignIn(input)),
    signOutConfirm: (input: SignOutConfirmInput) => finish(renderSignOutConfirm(input)),
    errorPage: (input: ErrorPageInput) => finish(renderErrorPage(input))
  })
}
