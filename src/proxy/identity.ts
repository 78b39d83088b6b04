// The identity a signed-in request carries (SPEC §5), built in one place for both the proxied
// request and the forward-auth answer (§6), so the two can never disagree.
import type { Config } from '../config/index.js'
import type { UserInfo } from '../provider/responses.js'
import { createAssertionSigner } from './assertion.js'
import { buildIdentityHeaders } from './upstream-headers.js'

// What the headers need, whichever way the request signed in: an ActiveSession (cookie) and a
// BearerSession (allowBearer) both fit.
export interface SignedIn {
  session: { user: UserInfo, tokens: { accessToken: string } }
}

// 'upstream': the headers of a proxied request. 'ingress': a forward-auth 200 (§6), which the
// ingress copies onto the request it routes, and which never carries X-Access-Token: the answer
// also reaches anyone who can request <authPrefix>/auth through the public route, a page's own
// script included, and §7 says tokens never reach the browser. Nothing in a request shows
// whether an ingress or a browser asked (nginx subrequests carry the client's headers), so
// passAccessToken applies to proxied requests only.
export type IdentityHeaders = (who: SignedIn, to: 'upstream' | 'ingress') => Record<string, string>

export function createIdentityHeaders (config: Config): IdentityHeaders {
  // §3 assertionKey: imported once here, at startup, never per request.
  const signer = config.assertionKey === undefined
    ? undefined
    : createAssertionSigner({ privateKeyPem: config.assertionKey, issuer: config.redirectUrl.origin, audience: config.upstream.origin })
  return (who, to) => {
    const token = config.passAccessToken && to === 'upstream' ? who.session.tokens.accessToken : undefined
    const headers = buildIdentityHeaders(who.session.user, token)
    if (signer !== undefined) headers['x-auth-assertion'] = signer.sign(who.session.user)
    return headers
  }
}
