import t from 'tap'
import { type Config } from '../../src/config/index.js'

// The shape other modules code against (the lead's contract). `Config` is derived from the
// schema; this fails to type-check (npm run typecheck) the moment the two drift apart.
interface Expected {
  upstream: URL
  listen: { host: string, port: number }
  metricsListen: { host: string, port: number } | null
  providerUrl: URL
  authorizeUrl: URL,
  tokenUrl: URL,
  userinfoUrl: URL,
  topupUrl: URL,
  appsUrl: URL
  clientId: string
  clientSecret: string
  redirectUrl: URL
  scope: string
  autoAuthorize: boolean
  pkce: boolean
  authPrefix: string
  cookieSecret: Buffer
  cookieName: string
  cookieSecure: boolean
  cookieDomain: string | undefined
  cookieSameSite: 'lax' | 'strict' | 'none'
  sessionStore: 'redis' | 'memory'
  redisUrl: string | undefined
  redisSentinels: Array<{ host: string, port: number }> | undefined
  redisSentinelMaster: string | undefined
  redisClusterNodes: Array<{ host: string, port: number }> | undefined
  redisCaFile: string | undefined
  redisUsername: string | undefined
  redisPassword: string | undefined
  redisTls: boolean
  redisKeyPrefix: string
  sessionMaxAge: number
  sessionIdleTimeout: number
  refreshSkew: number
  userinfoTtl: number
  skipAuthRoutes: Array<{ method: string | undefined, pattern: RegExp }>
  apiRoutes: RegExp[]
  allowedRedirectDomains: string[]
  allowedUsers: string[]
  allowedEmailDomains: string[]
  minBalance: number | undefined
  passAccessToken: boolean
  allowBearer: boolean
  assertionKey: string | undefined
  loginRateLimit: { max: number, windowMs: number } | null
  trustProxy: string[] | false
  providerTimeout: number
  upstreamTimeout: number
  tlsCertFile: string | undefined
  tlsKeyFile: string | undefined
  upstreamCaFile: string | undefined
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
  logFormat: 'json' | 'pretty'
}

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false
const same: Equals<Config, Expected> = true

t.equal(same, true, 'Config has exactly the agreed shape')
