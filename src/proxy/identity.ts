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

export type IdentityHeaders = (who: SignedIn) => Record<string, string>

export function createIdentityHeaders (config: Config): IdentityHeaders {
  // §3 assertionKey: imported once here, at startup, never per request.
  const signer = config.assertionKey === undefined
    ? undefined
    : createAssertionSigner({ privateKeyPem: config.assertionKey, issuer: config.redirectUrl.origin, audience: config.upstream.origin })
  return (who) => {
    const token = config.passAccessToken ? who.session.tokens.accessToken : undefined
    const headers = buildIdentityHeaders(who.session.user, token)
    if (signer !== undefined) headers['x-auth-assertion'] = signer.sign(who.session.user)
    return headers
  }
}
