// Everything a route needs, built once by buildApp (STYLE §3.8: policies compiled at startup)
// and handed to each route plugin; no route reads the config to decide per request.
import type { Metrics } from '../observability/metrics.js'
import type { IdentityHeaders } from '../proxy/identity.js'
import type { BearerValidator } from '../session/bearer.js'
import type { Config } from '../config/index.js'
import type { Pages } from '../pages/index.js'
import type { ProviderClient } from '../provider/client.js'
import type { ForwardingPolicy } from '../proxy/upstream-headers.js'
import type { AccessPolicy } from '../rules/access.js'
import type { AllowedHosts } from '../rules/allowed-hosts.js'
import type { OriginPolicy } from '../rules/origin.js'
import type { RedirectPolicy } from '../rules/redirect.js'
import type { RouteRules } from '../rules/routes.js'
import type { SessionService } from '../session/service.js'
import type { SessionStore } from '../session/store.js'
import type { CookieSettings } from './cookies.js'

export interface AuthPaths {
  start: string
  callback: string
  signIn: string
  signOut: string
  userinfo: string
  topup: string
}

export interface AppContext {
  config: Config
  store: SessionStore
  provider: ProviderClient
  sessions: SessionService
  pages: Pages
  paths: AuthPaths
  redirectPolicy: RedirectPolicy
  originPolicy: OriginPolicy
  routeRules: RouteRules
  accessPolicy: AccessPolicy
  forwarding: ForwardingPolicy
  // SPEC §4 topup: the provider's hosts and the allowed redirect domains
  topupHosts: AllowedHosts
  cookies: CookieSettings
  metrics: Metrics
  // allowBearer: AIHubMix access tokens checked with userinfo, cached per app
  bearer: BearerValidator
  // §5 identity headers of a signed-in request (proxy and forward-auth alike)
  identityHeaders: IdentityHeaders
  now: () => number
  randomBytes: (size: number) => Buffer
}

export function authPaths (authPrefix: string): AuthPaths {
  return {
    start: `${authPrefix}/start`,
    callback: `${authPrefix}/callback`,
    signIn: `${authPrefix}/sign_in`,
    signOut: `${authPrefix}/sign_out`,
    userinfo: `${authPrefix}/userinfo`,
    topup: `${authPrefix}/topup`
  }
}
