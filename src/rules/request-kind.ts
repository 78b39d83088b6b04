// §5: who gets a 302 to sign_in and who gets 401 JSON when signed out. Only a top-level browser
// navigation is redirected; a fetch/XHR, an API client or an `apiRoutes` path gets 401, because
// a redirect to an HTML sign-in page is useless (and confusing) to a script.
//
// Decisions (the SPEC is silent on them):
// - `Accept` is searched for `text/html` case-insensitively; q-values are not weighed
//   (`text/html;q=0` still counts), as oauth2-proxy does: browsers never send q=0 for HTML.
// - `X-Requested-With` present with any value, even empty, marks a script.
// - The header values may arrive as arrays (duplicated headers); every element is considered.

export interface RequestKindInput {
  method: string
  accept: string | readonly string[] | undefined
  xRequestedWith: string | readonly string[] | undefined
  isApiRoute: boolean
}

const HTML = /text\/html/i

export function isBrowserNavigation (input: RequestKindInput): boolean {
  if (input.method !== 'GET' && input.method !== 'HEAD') return false
  if (input.isApiRoute || input.xRequestedWith !== undefined) return false
  const accept = input.accept
  if (accept === undefined) return false
  return typeof accept === 'string' ? HTML.test(accept) : accept.some((a) => HTML.test(a))
}
