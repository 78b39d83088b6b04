// Rules that involve more than one option (SPEC §3, §7). Each returns plain problem lines that
// name the option in the user's own spelling. Options that failed to parse are absent and their
// rules are skipped: their own problem is already reported.
import { formatDuration, formatHostPort, type HostPort } from './parse.js'
import { REFRESH_TOKEN_LIFE_MS, type Config, type OptionName } from './schema.js'

export type Spell = (name: OptionName) => string
type Check = (c: Partial<Config>, spell: Spell) => string | string[] | undefined

const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]']

// An unspecified address binds every interface, so it collides with any host on its port.
const ANY_HOSTS = ['0.0.0.0', '::']

// `localhost` may resolve to either loopback address.
function sameHost (a: string, b: string): boolean {
  const [x, y] = [a.toLowerCase(), b.toLowerCase()]
  if (x === y || ANY_HOSTS.includes(x) || ANY_HOSTS.includes(y)) return true
  return (x === 'localhost' && ['127.0.0.1', '::1'].includes(y)) || (y === 'localhost' && ['127.0.0.1', '::1'].includes(x))
}

// Port 0 asks the system for a free port each time, so two of them never collide.
function sameSocket (a: HostPort, b: HostPort): boolean {
  return a.port !== 0 && a.port === b.port && sameHost(a.host, b.host)
}

const REDIS_OPTIONS = ['redisUrl', 'redisSentinels', 'redisClusterNodes'] as const

function redisSet (c: Partial<Config>): OptionName[] {
  return REDIS_OPTIONS.filter((n) => c[n] !== undefined)
}

// Exported for config/files.ts: a CA file that would not be used is not read either.
export function redisCaFileProblem (c: Partial<Config>, spell: Spell): string | undefined {
  if (c.redisCaFile === undefined) return undefined
  if (redisSet(c).length === 0) return `${spell('redisCaFile')}: has no effect without a Redis option; expected redisUrl (rediss://), redisSentinels or redisClusterNodes`
  if (c.redisUrl?.startsWith('redis://') === true) return `${spell('redisCaFile')}: redisUrl uses redis:// (no TLS); expected a rediss:// redisUrl`
  return c.redisUrl === undefined && c.redisTls !== true
    ? `${spell('redisCaFile')}: TLS is off for redisSentinels/redisClusterNodes; expected redisTls=true as well`
    : undefined
}

const checks: Check[] = [
  // Insecure cookies would travel in clear text anywhere but the developer's own machine.
  (c, spell) => c.cookieSecure === false && c.redirectUrl !== undefined &&
    (c.redirectUrl.protocol !== 'http:' || !LOOPBACK_HOSTS.includes(c.redirectUrl.hostname))
    ? `${spell('cookieSecure')}: false is only allowed when redirectUrl is http on localhost, 127.0.0.1 or [::1] (it is ${c.redirectUrl.origin}); expected true`
    : undefined,
  (c, spell) => c.cookieSameSite === 'none' && c.cookieSecure === false
    ? `${spell('cookieSameSite')}: none needs cookieSecure=true (browsers drop SameSite=None cookies that are not Secure); expected lax or strict`
    : undefined,
  (c, spell) => {
    const name = c.cookieName
    if (name === undefined) return undefined
    if (/^__Host-/.test(name) && (c.cookieSecure === false || c.cookieDomain !== undefined)) {
      return `${spell('cookieName')}: the __Host- prefix needs cookieSecure=true and no cookieDomain; expected a name without the prefix (it is added when allowed)`
    }
    return /^__Secure-/.test(name) && c.cookieSecure === false
      ? `${spell('cookieName')}: the __Secure- prefix needs cookieSecure=true; expected a name without the prefix`
      : undefined
  },
  // A cookie whose Domain does not cover the callback host is rejected by the browser.
  (c, spell) => {
    if (c.cookieDomain === undefined || c.redirectUrl === undefined) return undefined
    const domain = c.cookieDomain.replace(/^\./, '').toLowerCase()
    const host = c.redirectUrl.hostname
    return host === domain || host.endsWith('.' + domain)
      ? undefined
      : `${spell('cookieDomain')}: ${JSON.stringify(c.cookieDomain)} does not cover redirectUrl's host ${host}; expected that host or a parent domain of it`
  },
  // The callback route lives at <authPrefix>/callback; any other redirect_uri would never reach it.
  (c, spell) => c.redirectUrl !== undefined && c.authPrefix !== undefined && c.redirectUrl.pathname !== `${c.authPrefix}/callback`
    ? `${spell('redirectUrl')}: path is ${c.redirectUrl.pathname}; expected ${c.authPrefix}/callback (authPrefix + /callback)`
    : undefined,
  (c, spell) => {
    const set = redisSet(c)
    return set.length > 1
      ? `${set.map(spell).join(', ')}: only one of redisUrl, redisSentinels, redisClusterNodes may be set; expected one`
      : undefined
  },
  (c, spell) => c.redisSentinels !== undefined && c.redisSentinelMaster === undefined
    ? `${spell('redisSentinels')}: needs redisSentinelMaster; expected the Sentinel master name as well`
    : c.redisSentinelMaster !== undefined && c.redisSentinels === undefined
      ? `${spell('redisSentinelMaster')}: has no effect without redisSentinels; expected redisSentinels as well`
      : undefined,
  (c, spell) => c.sessionStore === 'redis' && redisSet(c).length === 0
    ? `${spell('sessionStore')}: redis needs one of redisUrl, redisSentinels or redisClusterNodes; expected one of them, or sessionStore=memory`
    : c.sessionStore === 'memory' && redisSet(c).length > 0
      ? `${spell('sessionStore')}: memory, yet ${redisSet(c).map(spell).join(', ')} is set; expected sessionStore=redis or no redis option`
      : undefined,
  redisCaFileProblem,
  (c, spell) => {
    const set: OptionName[] = [
      ...(['redisUsername', 'redisPassword'] as const).filter((n) => c[n] !== undefined),
      ...(c.redisTls === true ? ['redisTls' as const] : [])
    ]
    if (set.length === 0) return undefined
    if (c.redisUrl !== undefined) return `${set.map(spell).join(', ')}: not used with redisUrl; expected the user, password and rediss:// scheme inside redisUrl`
    return redisSet(c).length === 0
      ? `${set.map(spell).join(', ')}: has no effect without redisSentinels or redisClusterNodes; expected one of them as well`
      : undefined
  },
  // §7: the session cannot outlive the refresh token that keeps it alive.
  (c, spell) => c.sessionMaxAge !== undefined && c.sessionMaxAge > REFRESH_TOKEN_LIFE_MS
    ? `${spell('sessionMaxAge')}: ${formatDuration(c.sessionMaxAge)} is longer than the ${formatDuration(REFRESH_TOKEN_LIFE_MS)} refresh-token life; expected at most ${formatDuration(REFRESH_TOKEN_LIFE_MS)}`
    : undefined,
  (c, spell) => c.sessionIdleTimeout !== undefined && c.sessionMaxAge !== undefined && c.sessionIdleTimeout > c.sessionMaxAge
    ? `${spell('sessionIdleTimeout')}: ${formatDuration(c.sessionIdleTimeout)} is longer than sessionMaxAge (${formatDuration(c.sessionMaxAge)}); expected at most sessionMaxAge`
    : undefined,
  // Two servers cannot bind one port: the second listen would fail with EADDRINUSE at startup.
  (c, spell) => c.listen !== undefined && c.metricsListen !== undefined && c.metricsListen !== null &&
    sameSocket(c.listen, c.metricsListen)
    ? `${spell('metricsListen')}: ${formatHostPort(c.metricsListen)} is the proxy's own address (listen ${formatHostPort(c.listen)}); expected another port, or empty to disable metrics`
    : undefined,
  (c, spell) => (c.tlsCertFile === undefined) === (c.tlsKeyFile === undefined)
    ? undefined
    : c.tlsCertFile === undefined
      ? `${spell('tlsKeyFile')}: set without tlsCertFile; expected both or neither`
      : `${spell('tlsCertFile')}: set without tlsKeyFile; expected both or neither`
]

export function checkConfig (c: Partial<Config>, spell: Spell): string[] {
  return checks.flatMap((check) => check(c, spell) ?? [])
}
