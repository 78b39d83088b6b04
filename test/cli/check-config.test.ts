import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { parse } from 'yaml'
import { optionNames } from '../../src/config/index.js'
import { CLIENT_SECRET, COOKIE_SECRET, validEnv } from '../config/fixtures.js'
import { run } from './capture.js'

const REDIS_PASSWORD = 'redis-pass-Zq81'
const assertionKeyPem = `-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF
-----END PRIVATE KEY-----`

t.test('prints the effective configuration as YAML, secrets redacted, origins as comments', async (t) => {
  const dir = t.testdir({ 'c.yaml': 'userinfoTtl: 90\nallowedUsers: [a, b]\n', 'redis-url': `rediss://:${REDIS_PASSWORD}@r:6380/1\n` })
  const env = { ...validEnv, AUTH_PROXY_REDIS_URL_FILE: 'redis-url', AUTH_PROXY_ASSERTION_KEY: assertionKeyPem }
  const r = await run(['check-config', '--config', 'c.yaml', '--skip-auth-routes', 'GET=^/public/,^/a{1,2}$', '--metrics-listen='], env, { cwd: dir })
  t.equal(r.code, 0, r.stderr)
  t.equal(r.stderr, '')
  for (const secret of [COOKIE_SECRET, CLIENT_SECRET, REDIS_PASSWORD, 'MC4CAQAwBQYDK2VwBCIE']) {
    t.notMatch(r.stdout, secret, 'no secret value in the output')
  }
  const printed = parse(r.stdout) as Record<string, unknown>
  t.same(Object.keys(printed), optionNames, 'every option, camelCase, in schema order')
  t.equal(printed.clientSecret, '[redacted]')
  t.equal(printed.cookieSecret, '[redacted]')
  t.equal(printed.redisUrl, '[redacted]')
  t.equal(printed.assertionKey, '[redacted]')
  t.equal(printed.userinfoTtl, '90s', 'durations in their human form')
  t.equal(printed.sessionMaxAge, '30d')
  t.equal(printed.sessionStore, 'redis')
  t.equal(printed.metricsListen, '')
  t.same(printed.skipAuthRoutes, ['GET=^/public/', '^/a{1,2}$'])
  t.same(printed.allowedUsers, ['a', 'b'])
  t.equal(printed.cookieDomain, null)
  const lines = r.stdout.trimEnd().split('\n')
  t.equal(lines.length, optionNames.length, 'one line per option')
  t.match(lines.find((l) => l.startsWith('userinfoTtl:')), /# file: userinfoTtl in c\.yaml$/)
  t.match(lines.find((l) => l.startsWith('redisUrl:')), /# env: AUTH_PROXY_REDIS_URL_FILE$/)
  t.match(lines.find((l) => l.startsWith('skipAuthRoutes:')), /# flag: --skip-auth-routes$/)
  t.match(lines.find((l) => l.startsWith('listen:')), /# default$/)
})

t.test('invalid configuration: one line per problem on stderr, exit 2, nothing on stdout', async (t) => {
  const dir = t.testdir()
  writeFileSync(join(dir, 'c.yaml'), 'cookieSecre: x\n')
  const env = { ...validEnv, AUTH_PROXY_COOKIE_SECRET: 'too-short', AUTH_PROXY_UPSTREAM: 'not a url', AUTH_PROXY_REDIS_URL: `redis://:${REDIS_PASSWORD}@r`, AUTH_PROXY_REDIS_CLUSTER_NODES: 'a:1' }
  const r = await run(['check-config', '--config', 'c.yaml', '--session-max-age', '60d'], env, { cwd: dir })
  t.equal(r.code, 2)
  t.equal(r.stdout, '')
  const lines = r.stderr.trimEnd().split('\n')
  t.equal(lines.length, 5, r.stderr)
  t.match(r.stderr, 'cookieSecre in c.yaml: unknown option (did you mean cookieSecret?)')
  t.match(r.stderr, 'AUTH_PROXY_COOKIE_SECRET: is 9 bytes')
  t.match(r.stderr, 'AUTH_PROXY_UPSTREAM:')
  t.match(r.stderr, '--session-max-age: 60d is longer')
  t.match(r.stderr, 'AUTH_PROXY_REDIS_URL, AUTH_PROXY_REDIS_CLUSTER_NODES: only one')
  t.notMatch(r.stderr, 'too-short')
  t.notMatch(r.stderr, REDIS_PASSWORD)
  t.notMatch(r.stderr, /\n\s+at /, 'no stack trace')
})

t.test('--help shows every option flag and env name', async (t) => {
  const r = await run(['check-config', '--upstream', 'nope', '--help'])
  t.equal(r.code, 0)
  t.match(r.stdout, '--config <file>')
  t.match(r.stdout, '--cookie-secret <secret>')
  t.match(r.stdout, 'AUTH_PROXY_COOKIE_SECRET or AUTH_PROXY_COOKIE_SECRET_FILE')
  t.match(r.stdout, '--pkce[=false]')
  t.match(r.stdout, '--session-max-age <duration>')
})

t.test('an unknown flag is a usage error with did-you-mean', async (t) => {
  const r = await run(['check-config', '--cookie-secert', 'x'], validEnv)
  t.equal(r.code, 2)
  t.equal(r.stderr, 'unknown flag --cookie-secert (did you mean --cookie-secret?)\n')
})
