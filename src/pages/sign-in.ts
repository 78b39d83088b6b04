import { escapeHtml, fillTemplate, toSafeHref, truncateText } from './escape.js'
import type { Lang } from './language.js'
import { link, paragraph, type PageContent } from './layout.js'
import { STRINGS, type Strings } from './strings.js'

// A provider's error_description is free text from a redirect; the callback passes it only
// when the state proves AIHubMix sent it, and it is still shown escaped and short.
export const MAX_DESCRIPTION_CHARS = 200
const MAX_CODE_CHARS = 64

export interface ProviderError {
  code: string
  description?: string
}

export interface SignInInput {
  lang: Lang
  // Relative URL of `<authPrefix>/start?rd=…`, built by the caller.
  startUrl: string
  error?: ProviderError
}

export interface SignOutConfirmInput {
  lang: Lang
  // Relative URL of `<authPrefix>/sign_out?rd=…`, built by the caller.
  actionUrl: string
}

// §4: 403 when the user declined, 502 when AIHubMix failed or answered an error the user
// cannot fix (a misconfigured client shows up here too).
export function signInStatus (error: ProviderError | undefined): number {
  if (error === undefined) return 200
  return error.code === 'access_denied' ? 403 : 502
}

function providerErrorHtml (s: Strings, error: ProviderError): string {
  let message: string
  if (error.code === 'access_denied') {
    message = escapeHtml(s.providerAccessDenied)
  } else if (error.code === 'server_error' || error.code === 'temporarily_unavailable') {
    message = escapeHtml(s.providerServerError)
  } else {
    message = fillTemplate(s.providerOtherError, { code: truncateText(error.code, MAX_CODE_CHARS) })
  }
  const lines = [paragraph(message)]
  const description = truncateText(error.description ?? '', MAX_DESCRIPTION_CHARS)
  if (description !== '') {
    lines.push(paragraph(fillTemplate(s.providerDescription, { description }), 'muted'))
  }
  return `<div class="alert" role="alert">\n${lines.join('\n')}\n</div>`
}

export function renderSignIn (input: SignInInput): PageContent {
  const s = STRINGS[input.lang]
  const parts: string[] = []
  if (input.error !== undefined) parts.push(providerErrorHtml(s, input.error))
  parts.push(paragraph(escapeHtml(s.signInLead)))
  // A plain link, not a form: the one-click login is a top-level GET navigation to `start`.
  parts.push(paragraph(link(toSafeHref(input.startUrl), s.signInButton, true)))
  return { status: signInStatus(input.error), lang: input.lang, title: s.signInTitle, body: parts.join('\n') }
}

// §4: a GET sign_out that is not provably same-site only shows this; the POST it makes carries
// Origin / Sec-Fetch-Site, so another site cannot sign the user out.
export function renderSignOutConfirm (input: SignOutConfirmInput): PageContent {
  const s = STRINGS[input.lang]
  const action = escapeHtml(toSafeHref(input.actionUrl))
  const body = [
    paragraph(escapeHtml(s.signOutLead)),
    `<form method="post" action="${action}">`,
    `<button class="button" type="submit">${escapeHtml(s.signOutButton)}</button>`,
    '</form>',
    paragraph(link('/', s.home, false))
  ].join('\n')
  return { status: 200, lang: input.lang, title: s.signOutTitle, body }
}
