import { escapeHtml, fillTemplate, toSafeHref, truncateText } from './escape.js'
import type { Lang } from './language.js'
import { link, paragraph, type PageContent } from './layout.js'
import { STRINGS, type ErrorKind, type Strings } from './strings.js'

// Each kind answers with one status (SPEC §4, §5, §7), so a caller cannot pair a page with the
// wrong code.
export const ERROR_STATUS: Readonly<Record<ErrorKind, number>> = Object.freeze({
  bad_request: 400,
  state_invalid: 403,
  account_disabled: 403,
  not_allowed: 403,
  insufficient_balance: 402,
  provider_error: 502,
  // §7: the token expired and AIHubMix cannot renew it; the session is kept
  provider_unavailable: 503,
  upstream_unavailable: 502,
  upstream_timeout: 504,
  store_unavailable: 503,
  rate_limited: 429,
  overloaded: 503,
  cross_site: 403,
  not_found: 404
})

const MAX_REQUEST_ID_CHARS = 128
const MAX_BALANCE_CHARS = 64

interface ErrorPageCommon {
  lang: Lang
  // Shown small, so a user can quote it to the operator (§10 request ids).
  requestId?: string
  // The same number the caller puts in `Retry-After` (429, 503).
  retryAfterSeconds?: number
}

// Every URL is a relative path built by the caller (`<authPrefix>/sign_in?rd=…`,
// `<authPrefix>/topup`).
export type ErrorPageInput = ErrorPageCommon & (
  | { kind: 'state_invalid', signInUrl: string }
  | { kind: 'insufficient_balance', topupUrl: string, balance?: string }
  | { kind: 'account_disabled' | 'not_allowed' | 'provider_error', signInUrl?: string }
  | {
    kind: 'bad_request' | 'upstream_unavailable' | 'upstream_timeout' | 'store_unavailable' | 'provider_unavailable' |
      'rate_limited' | 'overloaded' | 'cross_site' | 'not_found'
  }
)

function actionHtml (s: Strings, input: ErrorPageInput): string[] {
  switch (input.kind) {
    case 'state_invalid':
      return [paragraph(link(toSafeHref(input.signInUrl), s.startAgain, true))]
    case 'insufficient_balance': {
      const balance = truncateText(input.balance ?? '', MAX_BALANCE_CHARS)
      return [
        paragraph(fillTemplate(s.balance, { balance: balance === '' ? s.balanceUnknown : balance })),
        paragraph(link(toSafeHref(input.topupUrl), s.topUp, true))
      ]
    }
    case 'account_disabled':
    case 'not_allowed':
    case 'provider_error':
      if (input.signInUrl !== undefined) {
        return [paragraph(link(toSafeHref(input.signInUrl), s.signInAgain, true))]
      }
  }
  return [paragraph(link('/', s.home, false))]
}

function footerHtml (s: Strings, input: ErrorPageInput): string[] {
  const lines: string[] = []
  const seconds = input.retryAfterSeconds
  if (seconds !== undefined && Number.isSafeInteger(seconds) && seconds > 0) {
    lines.push(paragraph(fillTemplate(s.retryAfter, { seconds: String(seconds) })))
  }
  const requestId = truncateText(input.requestId ?? '', MAX_REQUEST_ID_CHARS)
  if (requestId !== '') {
    lines.push(paragraph(fillTemplate(s.requestId, { id: requestId }), 'muted'))
  }
  return lines
}

export function renderErrorPage (input: ErrorPageInput): PageContent {
  const s = STRINGS[input.lang]
  const text = s.errors[input.kind]
  const body = [
    paragraph(escapeHtml(text.message)),
    ...actionHtml(s, input),
    ...footerHtml(s, input)
  ].join('\n')
  return { status: ERROR_STATUS[input.kind], lang: input.lang, title: text.title, body }
}
