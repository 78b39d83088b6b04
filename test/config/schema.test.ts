import t from 'tap'
import fc from 'fast-check'
import {
  envName, fileEnvName, flagName, getOption, optionNames, resolveConfig
} from '../../src/config/index.js'
import { optionFlagSpecs } from '../../src/config/sources.js'
import { formatDuration, parseDuration, splitList, parseHostPort, formatHostPort } from '../../src/config/parse.js'
import { validRaw } from './fixtures.js'

t.test('spellings are derived from the camelCase name', async (t) => {
  t.equal(flagName('cookieSameSite'), 'cookie-same-site')
  t.equal(envName('cookieSameSite'), 'AUTH_PROXY_COOKIE_SAME_SITE')
  t.equal(fileEnvName('assertionKey'), 'AUTH_PROXY_ASSERTION_KEY_FILE')
  t.equal(flagName('userinfoTtl'), 'userinfo-ttl')
  t.same(optionFlagSpecs().length, optionNames.length)
})

t.test('every option has a doc line, and every default parses', async (t) => {
  for (const name of optionNames) {
    const o = getOption(name)
    t.ok(o.doc.length > 0 && !o.doc.includes('\n'), `${name} has a one-line doc`)
    if (o.default !== undefined) t.ok(o.kind.parse(o.default).ok, `default of ${name} parses`)
    t.equal(o.presence === 'derived', o.derive !== undefined, `${name}: derived options derive`)
  }
})

t.test('the secrets are exactly the SPEC §3 list, plus the Sentinel/Cluster password', async (t) => {
  // redisPassword carries what redisUrl carries for standalone Redis, so it is a secret for the
  // same reason (redacted, readable from AUTH_PROXY_REDIS_PASSWORD_FILE).
  t.same(optionNames.filter((n) => getOption(n).secret), ['clientSecret', 'cookieSecret', 'redisUrl', 'redisPassword', 'assertionKey'])
})

t.test('resolveConfig builds a Config from plain raw values', async (t) => {
  const r = resolveConfig({ ...validRaw, sessionStore: 'memory', cookieSecure: false, redirectUrl: 'http://localhost:4180/oauth2/callback', listen: '127.0.0.1:0' })
  t.equal(r.ok, true)
  if (r.ok) {
    t.same(r.config.listen, { host: '127.0.0.1', port: 0 })
    t.equal(r.config.cookieName, '_aihubmix_auth')
    t.ok(Object.isFrozen(r.config))
  }
  const numeric = resolveConfig({ ...validRaw, clientId: 12345, allowedUsers: [42] })
  t.same(numeric.ok ? [numeric.config.clientId, numeric.config.allowedUsers] : numeric.problems, ['12345', ['42']], 'YAML numbers read as text')
  const bad = resolveConfig({ ...validRaw, upstreamTimeOut: '5s', cookieSecret: undefined })
  t.same(bad.ok ? [] : bad.problems, [
    'upstreamTimeOut: unknown option (did you mean upstreamTimeout?)',
    'cookieSecret: required; expected --cookie-secret, AUTH_PROXY_COOKIE_SECRET or cookieSecret in the config file'
  ])
})

t.test('durations print in the largest whole unit and parse back', async (t) => {
  t.equal(formatDuration(2_592_000_000), '30d')
  t.equal(formatDuration(90_000), '90s')
  t.equal(formatDuration(0), '0s')
  fc.assert(fc.property(fc.integer({ min: 0, max: 10_000_000 }), (s) => {
    const r = parseDuration(formatDuration(s * 1000))
    return r.ok && r.value === s * 1000
  }))
})

t.test('lists split at top-level commas only', async (t) => {
  t.same(splitList('a, b ,,c'), ['a', 'b', 'c'])
  t.same(splitList('^/a{1,3}$,GET=^/(x|y,z)$'), ['^/a{1,3}$', 'GET=^/(x|y,z)$'])
  t.same(splitList('[,(],b'), ['[,(]', 'b'], 'a class may hold an opener')
  t.same(splitList('a\\,b,c'), ['a\\,b', 'c'], 'an escaped comma stays')
  t.same(splitList(''), [])
})

t.test('host:port parses and prints back', async (t) => {
  for (const s of ['0.0.0.0:4180', '[::1]:80', 'redis-0.redis:6379', 'localhost:0']) {
    const r = parseHostPort(s)
    t.ok(r.ok, s)
    if (r.ok) t.equal(formatHostPort(r.value), s)
  }
  for (const s of ['4180', ':4180', 'host:65536', 'a:b', '[nope]:1', 'http://x:1', 'h:1:2']) t.notOk(parseHostPort(s).ok, s)
})
