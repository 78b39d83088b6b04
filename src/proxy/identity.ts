// The identity a signed-in request carries (SPEC §5), built in one place for both the proxied
// request and the forward-auth answer (§6), so the two can never disagree.
import type { Config } from '../config/index.js'
import type { ActiveSession } from '../session/service.js'
import { buildIdentityHeaders } from './upstream-headers.js'

export type IdentityHeaders = (active: ActiveSession) => Record<string, string>

export function createIdentityHeaders (config: Config): IdentityHeaders {
  return (active) => {
    const token = config.passAccessToken ? active.session.tokens.accessToken : undefined
    return buildIdentityHeaders(active.session.user, token)
  }
}
