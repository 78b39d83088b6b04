// THE option schema (SPEC §3, STYLE §3.3): every option once, with its kind (raw TypeBox type +
// parse), default, one-line doc and secret flag. Flags, env names, YAML keys, *_FILE, --help,
// check-config redaction, the README table and the `Config` type are all derived from here.
import { type Kind } from './kind.js'
import {
  bool, cookieSecret, decimal, domains, duration, hostPort, hostPortOrOff, hostPorts, httpUrl, oneOf,
  pattern, privateKey, rateLimit, redisUrl, regexes, routes, strings, text, trustedHops
} from './kinds.js'

type Presence = 'required' | 'default' | 'optional' | 'derived'

// What a derived default may look at: the resolved values it is computed from.
export interface DeriveBasis {
  providerUrl: URL
  redisUrl: string | undefined
  redisSentinels: unknown
  redisClusterNodes: unknown
}

export interface Option<T, P extends Presence = Presence> {
  readonly kind: Kind<T>
  readonly presence: P
  readonly doc: string
  readonly secret: boolean
  // raw form, as a user would write it (parsed through `kind` like any other value)
  readonly default?: string | boolean
  readonly derive?: (basis: DeriveBasis) => T
  // how the README and --help show a derived default
  readonly defaultDoc?: string
}

function required<T> (kind: Kind<T>, doc: string, secret = false): Option<T, 'required'> {
  return { kind, presence: 'required', doc, secret }
}

function optional<T> (kind: Kind<T>, doc: string, secret = false): Option<T, 'optional'> {
  return { kind, presence: 'optional', doc, secret }
}

function withDefault<T> (kind: Kind<T>, value: string | boolean, doc: string): Option<T, 'default'> {
  return { kind, presence: 'default', doc, secret: false, default: value }
}

function derived<T> (kind: Kind<T>, derive: (b: DeriveBasis) => T, defaultDoc: string, doc: string): Option<T, 'derived'> {
  return { kind, presence: 'derived', doc, secret: false, derive, defaultDoc }
}

function providerPath (path: string): Option<URL, 'derived'> {
  return derived(httpUrl, (b) => new URL(path, b.providerUrl), `<providerUrl>${path}`,
    `full URL of ${path}, overriding providerUrl`)
}

const filePath = text('a file path')

// §7: the refresh token lives 30 d, so a session cannot outlive it.
export const REFRESH_TOKEN_LIFE_MS = 30 * 86_400_000

export const options = {
  upstream: required(httpUrl, 'URL of the protected app'),
  listen: withDefault(hostPort, '0.0.0.0:4180', 'proxy address'),
  metricsListen: withDefault(hostPortOrOff, '0.0.0.0:9180', 'Prometheus /metrics address; empty disables'),
  providerUrl: withDefault(httpUrl, 'https://aihubmix.com', 'AIHubMix base URL'),
  authorizeUrl: providerPath('/api/oauth2/authorize'),
  tokenUrl: providerPath('/api/oauth2/token'),
  userinfoUrl: providerPath('/api/oauth2/userinfo'),
  topupUrl: providerPath('/api/oauth2/topup'),
  appsUrl: providerPath('/api/oauth_apps'),
  clientId: required(text(), 'the app\'s OAuth2 client id'),
  clientSecret: required(text(), 'the app\'s OAuth2 client secret', true),
  redirectUrl: required(httpUrl, 'external URL of <authPrefix>/callback; never derived from the Host header'),
  scope: withDefault(text('space-separated scopes'), 'profile balance', 'scopes to request'),
  autoAuthorize: withDefault(bool, true, 'send auto_authorize=true (one-click login)'),
  pkce: withDefault(bool, true, 'send S256 PKCE'),
  authPrefix: withDefault(pattern(/^(?:\/[A-Za-z0-9._~-]+)+$/, 'a path such as /oauth2 (letters, digits, . _ ~ -; no trailing /)'),
    '/oauth2', 'where the proxy\'s own endpoints live'),
  cookieSecret: required(cookieSecret, '>= 32 bytes (raw or base64); seals cookies', true),
  cookieName: withDefault(pattern(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, 'a cookie name (RFC 6265 token characters)'),
    '_aihubmix_auth', 'session cookie name; gets the __Host- prefix when secure and no domain'),
  cookieSecure: withDefault(bool, true, 'Secure cookies; false only when redirectUrl is http on localhost, 127.0.0.1 or [::1]'),
  cookieDomain: optional(pattern(/^\.?[A-Za-z0-9.-]+$/, 'a domain such as example.com'), 'cookie Domain attribute'),
  cookieSameSite: withDefault(oneOf(['lax', 'strict', 'none']), 'lax', 'SameSite of the session cookie'),
  sessionStore: derived(oneOf(['redis', 'memory']),
    (b) => b.redisUrl !== undefined || b.redisSentinels !== undefined || b.redisClusterNodes !== undefined ? 'redis' : 'memory',
    'redis if a redis option is set, else memory', 'redis or memory; memory is for a single replica only'),
  redisUrl: optional(redisUrl, 'redis:// or rediss:// (TLS) URL, with user/password/db', true),
  redisSentinels: optional(hostPorts, 'Sentinel addresses, host:port,...'),
  redisSentinelMaster: optional(text('a Sentinel master name'), 'Sentinel master name'),
  redisClusterNodes: optional(hostPorts, 'Redis Cluster seed nodes, host:port,...'),
  redisCaFile: optional(filePath, 'CA bundle (PEM) to verify Redis over TLS'),
  // A URL carries its own user, password and scheme; Sentinel and Cluster list bare host:ports.
  redisUsername: optional(text('a Redis ACL user name'), 'Redis ACL user for redisSentinels/redisClusterNodes (redisUrl carries its own)'),
  redisPassword: optional(text('a Redis password'), 'Redis password for redisSentinels/redisClusterNodes (redisUrl carries its own)', true),
  redisTls: withDefault(bool, false, 'TLS to the Sentinels and Redis nodes of redisSentinels/redisClusterNodes (redisUrl: use rediss://)'),
  // no { or }: a prefix with a hash tag would pin every key to one Cluster slot
  redisKeyPrefix: withDefault(pattern(/^[^{}\s]+$/, 'a prefix without spaces, { or }'), 'aap:', 'prefix of every Redis key'),
  sessionMaxAge: withDefault(duration({ min: 60_000 }), '30d', 'absolute session lifetime; at most the 30d refresh-token life'),
  sessionIdleTimeout: withDefault(duration({ min: 60_000 }), '7d', 'sliding idle timeout, renewed at most once a minute'),
  // under the 2 h access-token life, or every request would refresh
  refreshSkew: withDefault(duration({ max: 3_600_000 }), '5m', 'refresh the access token this long before it expires'),
  userinfoTtl: withDefault(duration(), '30s', 'how stale the balance in the headers may be'),
  skipAuthRoutes: withDefault(routes, '', 'regex or METHOD=regex, comma separated, matched on the normalized path; proxied without a session'),
  apiRoutes: withDefault(regexes, '', 'regexes where signed-out requests get 401, never a redirect'),
  allowedRedirectDomains: withDefault(domains, '', 'hosts allowed as absolute rd targets (.example.com for subdomains)'),
  allowedUsers: withDefault(strings, '', 'AIHubMix user ids allowed in (empty: all; if both allow lists are set, either may match)'),
  allowedEmailDomains: withDefault(domains, '', 'email domains allowed in (empty: all; .example.com for subdomains)'),
  minBalance: optional(decimal, 'decimal amount; below it proxied requests get 402 and forward-auth 403'),
  passAccessToken: withDefault(bool, false, 'send X-Access-Token on proxied requests (never in forward-auth answers)'),
  allowBearer: withDefault(bool, false, 'accept Authorization: Bearer <AIHubMix access token>'),
  assertionKey: optional(privateKey, 'PEM key (Ed25519 or P-256) to sign X-Auth-Assertion', true),
  loginRateLimit: withDefault(rateLimit, '20/1m', 'requests to start and callback per client IP, N/duration; 0 disables'),
  trustProxy: withDefault(trustedHops, false, 'trust X-Forwarded-* from these addresses/CIDRs, comma separated (no hop counts)'),
  providerTimeout: withDefault(duration({ min: 1000 }), '10s', 'each AIHubMix call gives up after this'),
  upstreamTimeout: withDefault(duration({ min: 1000 }), '60s', 'no upstream response headers by then: 504'),
  tlsCertFile: optional(filePath, 'certificate (PEM) to serve HTTPS directly'),
  tlsKeyFile: optional(filePath, 'private key (PEM) to serve HTTPS directly'),
  upstreamCaFile: optional(filePath, 'CA bundle (PEM) for an https upstream'),
  logLevel: withDefault(oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), 'info', 'log level'),
  logFormat: withDefault(oneOf(['json', 'pretty']), 'json', 'pretty for humans')
} as const

export type OptionName = keyof typeof options

type Resolved<O> = O extends Option<infer T, infer P> ? (P extends 'optional' ? T | undefined : T) : never

// The resolved, frozen configuration every module receives (load.ts builds it).
export type Config = { [K in OptionName]: Resolved<typeof options[K]> }

export const optionNames = Object.keys(options) as OptionName[]

export function getOption (name: OptionName): Option<unknown> {
  return options[name] as Option<unknown>
}

export function isOptionName (name: string): name is OptionName {
  return Object.hasOwn(options, name)
}

// --- derived spellings (never typed by hand) ---

export const ENV_PREFIX = 'AUTH_PROXY_'

export function flagName (name: string): string {
  return name.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())
}

export function envName (name: string): string {
  return ENV_PREFIX + name.replace(/[A-Z]/g, (c) => '_' + c).toUpperCase()
}

export function fileEnvName (name: string): string {
  return envName(name) + '_FILE'
}

export function optionFromFlag (flag: string): OptionName | undefined {
  const name = flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())
  return isOptionName(name) && flagName(name) === flag ? name : undefined
}

// Not options, but AUTH_PROXY_* names the commands read: the config file path, and
// register-app's developer token (a secret, so it has a _FILE form too, SPEC §3).
export const CONFIG_FLAG = 'config'
export const COMMAND_ENV = [envName('config'), envName('developerToken'), fileEnvName('developerToken')]
