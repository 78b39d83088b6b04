import { generateKeyPairSync } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { loadConfig } from '../../src/config/index.js'
import { validEnv } from './fixtures.js'

interface Case {
  name: string
  env?: Record<string, string | undefined>
  argv?: string[]
  yaml?: string
  // every string must appear in the one problem line
  expect: string[]
  // none of these may appear in it (secret values)
  never?: string[]
}

const rsaPem = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string

const cases: Case[] = [
  { name: 'a 10-byte cookieSecret', env: { AUTH_PROXY_COOKIE_SECRET: 'short12345' }, expect: ['AUTH_PROXY_COOKIE_SECRET', '10 bytes', 'at least 32'], never: ['short12345'] },
  { name: 'a relative upstream', argv: ['--upstream', '/app'], expect: ['--upstream', 'absolute http(s) URL'] },
  { name: 'an ftp upstream', env: { AUTH_PROXY_UPSTREAM: 'ftp://files.example.com' }, expect: ['AUTH_PROXY_UPSTREAM', 'absolute http(s) URL'] },
  { name: 'credentials in upstream', env: { AUTH_PROXY_UPSTREAM: 'http://u:p@app:3000' }, expect: ['AUTH_PROXY_UPSTREAM', 'credentials'] },
  { name: 'cookieSecure=false with an https redirectUrl', env: { AUTH_PROXY_COOKIE_SECURE: 'false' }, expect: ['AUTH_PROXY_COOKIE_SECURE', 'localhost'] },
  {
    name: 'cookieSecure=false with a non-local http redirectUrl',
    env: { AUTH_PROXY_COOKIE_SECURE: '0', AUTH_PROXY_REDIRECT_URL: 'http://app.example.com/oauth2/callback' },
    expect: ['AUTH_PROXY_COOKIE_SECURE', 'http://app.example.com']
  },
  { name: 'an unknown YAML key', yaml: 'upstreem: http://x\n', expect: ['upstreem in', 'unknown option', 'did you mean upstream?'] },
  { name: 'a snake_case YAML key', yaml: 'cookie_secure: true\n', expect: ['cookie_secure in', 'did you mean cookieSecure?'] },
  { name: 'an unknown AUTH_PROXY_ variable', env: { AUTH_PROXY_UPSTREM: 'http://x' }, expect: ['AUTH_PROXY_UPSTREM', 'unknown environment variable', 'did you mean AUTH_PROXY_UPSTREAM?'] },
  { name: 'a _FILE that does not exist', env: { AUTH_PROXY_CLIENT_SECRET: undefined, AUTH_PROXY_CLIENT_SECRET_FILE: '/nonexistent/secret' }, expect: ['AUTH_PROXY_CLIENT_SECRET_FILE', 'ENOENT'] },
  { name: 'both X and X_FILE', env: { AUTH_PROXY_COOKIE_SECRET_FILE: '/nonexistent/x' }, expect: ['AUTH_PROXY_COOKIE_SECRET and AUTH_PROXY_COOKIE_SECRET_FILE', 'only one'] },
  { name: '_FILE for an option that is not a secret', env: { AUTH_PROXY_SCOPE_FILE: '/x' }, expect: ['AUTH_PROXY_SCOPE_FILE', 'not a secret', 'AUTH_PROXY_SCOPE'] },
  {
    name: 'redisUrl together with redisClusterNodes',
    env: { AUTH_PROXY_REDIS_URL: 'redis://:hunter2hunter2@redis:6379', AUTH_PROXY_REDIS_CLUSTER_NODES: 'a:6379,b:6379' },
    expect: ['AUTH_PROXY_REDIS_URL', 'AUTH_PROXY_REDIS_CLUSTER_NODES', 'only one'],
    never: ['hunter2']
  },
  { name: 'redisSentinels without redisSentinelMaster', argv: ['--redis-sentinels', 's1:26379,s2:26379'], expect: ['--redis-sentinels', 'redisSentinelMaster'] },
  { name: 'redisSentinelMaster without redisSentinels', argv: ['--redis-sentinel-master', 'mymaster'], expect: ['--redis-sentinel-master', 'redisSentinels'] },
  { name: 'sessionStore=redis without any redis option', env: { AUTH_PROXY_SESSION_STORE: 'redis' }, expect: ['AUTH_PROXY_SESSION_STORE', 'redisUrl'] },
  { name: 'sessionStore=memory with redisUrl', argv: ['--session-store', 'memory', '--redis-url', 'redis://r:6379'], expect: ['--session-store', '--redis-url'] },
  { name: 'redisCaFile with a redis:// URL', argv: ['--redis-ca-file', 'ca.pem', '--redis-url', 'redis://r:6379'], expect: ['--redis-ca-file', 'rediss://'] },
  { name: 'a redisUrl that is no redis URL', env: { AUTH_PROXY_REDIS_URL: 'http://:pw-secret-xyz@r' }, expect: ['AUTH_PROXY_REDIS_URL', 'redis://'], never: ['pw-secret-xyz'] },
  { name: 'sessionMaxAge longer than 30d', yaml: 'sessionMaxAge: 31d\n', expect: ['sessionMaxAge in', '31d', 'refresh-token', 'at most 30d'] },
  { name: 'sessionIdleTimeout longer than sessionMaxAge', env: { AUTH_PROXY_SESSION_MAX_AGE: '7d', AUTH_PROXY_SESSION_IDLE_TIMEOUT: '8d' }, expect: ['AUTH_PROXY_SESSION_IDLE_TIMEOUT', 'sessionMaxAge'] },
  { name: 'an invalid regex in skipAuthRoutes', argv: ['--skip-auth-routes', '^/ok,^/a('], expect: ['--skip-auth-routes', '"^/a("', 'regular expression'] },
  { name: 'an invalid regex in apiRoutes', yaml: 'apiRoutes:\n  - "^/api/"\n  - "[z-a]"\n', expect: ['apiRoutes in', '[z-a]', 'regular expression'] },
  { name: 'a bad METHOD', env: { AUTH_PROXY_SKIP_AUTH_ROUTES: 'FETCH=^/x' }, expect: ['AUTH_PROXY_SKIP_AUTH_ROUTES', 'FETCH', 'HTTP method'] },
  { name: 'a missing upstream', env: { AUTH_PROXY_UPSTREAM: undefined }, expect: ['upstream: required', '--upstream', 'AUTH_PROXY_UPSTREAM'] },
  { name: 'a missing clientId', env: { AUTH_PROXY_CLIENT_ID: undefined }, expect: ['clientId: required', '--client-id'] },
  { name: 'a missing clientSecret', env: { AUTH_PROXY_CLIENT_SECRET: undefined }, expect: ['clientSecret: required', 'AUTH_PROXY_CLIENT_SECRET'] },
  { name: 'a missing redirectUrl', env: { AUTH_PROXY_REDIRECT_URL: undefined }, expect: ['redirectUrl: required'] },
  { name: 'a missing cookieSecret', env: { AUTH_PROXY_COOKIE_SECRET: undefined }, expect: ['cookieSecret: required'] },
  { name: 'tlsCertFile without tlsKeyFile', argv: ['--tls-cert-file', 'cert.pem'], expect: ['--tls-cert-file', 'tlsKeyFile'] },
  { name: 'tlsKeyFile without tlsCertFile', argv: ['--tls-key-file', 'key.pem'], expect: ['--tls-key-file', 'tlsCertFile'] },
  {
    name: 'cookieSameSite=none without cookieSecure',
    env: { AUTH_PROXY_COOKIE_SAME_SITE: 'none', AUTH_PROXY_COOKIE_SECURE: 'false', AUTH_PROXY_REDIRECT_URL: 'http://localhost:4180/oauth2/callback' },
    expect: ['AUTH_PROXY_COOKIE_SAME_SITE', 'cookieSecure']
  },
  { name: 'a redirectUrl off the callback route', env: { AUTH_PROXY_REDIRECT_URL: 'https://app.example.com/callback' }, expect: ['AUTH_PROXY_REDIRECT_URL', '/oauth2/callback'] },
  { name: 'a redirectUrl off a custom authPrefix', argv: ['--auth-prefix', '/_auth'], expect: ['AUTH_PROXY_REDIRECT_URL', '/_auth/callback'] },
  { name: 'an authPrefix with a trailing slash', argv: ['--auth-prefix', '/oauth2/'], expect: ['--auth-prefix', 'no trailing /'] },
  { name: 'a duration in words', env: { AUTH_PROXY_USERINFO_TTL: '5 minutes' }, expect: ['AUTH_PROXY_USERINFO_TTL', 'not a duration', '90s'] },
  { name: 'a fractional duration', yaml: 'refreshSkew: 1.5\n', expect: ['refreshSkew in', 'duration'] },
  { name: 'a refreshSkew beyond the token life', argv: ['--refresh-skew=3h'], expect: ['--refresh-skew', 'at most 1h'] },
  { name: 'a numeric trustProxy', env: { AUTH_PROXY_TRUST_PROXY: '2' }, expect: ['AUTH_PROXY_TRUST_PROXY', 'hop count', 'CIDR'] },
  { name: 'trustProxy=true', yaml: 'trustProxy: true\n', expect: ['trustProxy in', 'any client'] },
  { name: 'a bad CIDR', argv: ['--trust-proxy', '10.0.0.0/33'], expect: ['--trust-proxy', 'CIDR'] },
  { name: 'an unknown flag', argv: ['--upstrem', 'http://x'], expect: ['--upstrem', 'did you mean --upstream?'] },
  { name: 'a string flag without a value', argv: ['--upstream', '--pkce'], expect: ['--upstream needs a value'] },
  { name: 'a boolean that is not one', env: { AUTH_PROXY_PKCE: 'yes' }, expect: ['AUTH_PROXY_PKCE', 'true or false'] },
  { name: 'an RSA assertionKey', env: { AUTH_PROXY_ASSERTION_KEY: rsaPem }, expect: ['AUTH_PROXY_ASSERTION_KEY', 'rsa', 'Ed25519 or P-256'], never: ['BEGIN'] },
  { name: 'an assertionKey that is no PEM', yaml: 'assertionKey: not-a-key-at-all\n', expect: ['assertionKey in', 'not a PEM'], never: ['not-a-key-at-all'] },
  { name: 'a bad loginRateLimit', argv: ['--login-rate-limit', '20 per minute'], expect: ['--login-rate-limit', 'N/duration'] },
  { name: 'a bad listen address', env: { AUTH_PROXY_LISTEN: '4180' }, expect: ['AUTH_PROXY_LISTEN', 'host:port'] },
  { name: 'a wildcard redirect domain', env: { AUTH_PROXY_ALLOWED_REDIRECT_DOMAINS: '*.example.com' }, expect: ['AUTH_PROXY_ALLOWED_REDIRECT_DOMAINS', '".example.com"'] },
  { name: 'an enum value out of range', env: { AUTH_PROXY_LOG_LEVEL: 'verbose' }, expect: ['AUTH_PROXY_LOG_LEVEL', 'one of fatal'] },
  { name: 'a YAML list where a string is expected', yaml: 'upstream: [a, b]\n', env: { AUTH_PROXY_UPSTREAM: undefined }, expect: ['upstream in', 'YAML list', 'http(s) URL'] },
  { name: 'a number as cookieSecret in YAML', yaml: 'cookieSecret: 987654321987\n', env: { AUTH_PROXY_COOKIE_SECRET: undefined }, expect: ['cookieSecret in', '[redacted]'], never: ['987654321987'] },
  { name: 'a cookieDomain that does not cover redirectUrl', env: { AUTH_PROXY_COOKIE_DOMAIN: 'other.org' }, expect: ['AUTH_PROXY_COOKIE_DOMAIN', 'app.example.com'] },
  { name: 'a __Host- cookieName with a cookieDomain', env: { AUTH_PROXY_COOKIE_NAME: '__Host-s', AUTH_PROXY_COOKIE_DOMAIN: 'example.com' }, expect: ['AUTH_PROXY_COOKIE_NAME', '__Host-'] },
  { name: 'a redisKeyPrefix with a hash tag', argv: ['--redis-key-prefix', '{aap}:'], expect: ['--redis-key-prefix', '{ or }'] },
  { name: 'invalid YAML', yaml: 'upstream: "unterminated\n', expect: ['config.yaml', 'invalid YAML'] },
  { name: 'a YAML list at the top level', yaml: '- upstream\n', expect: ['config.yaml', 'mapping'] }
]

for (const c of cases) {
  t.test(c.name, async (t) => {
    const dir = t.testdir()
    const argv = [...(c.argv ?? [])]
    if (c.yaml !== undefined) {
      writeFileSync(join(dir, 'config.yaml'), c.yaml)
      argv.push('--config', 'config.yaml')
    }
    const r = loadConfig({ argv, env: { ...validEnv, ...c.env }, cwd: dir })
    t.equal(r.ok, false)
    if (r.ok) return
    t.equal(r.problems.length, 1, `one problem line: ${JSON.stringify(r.problems)}`)
    const line = r.problems[0] ?? ''
    t.notOk(line.includes('\n'), 'a single line')
    t.notOk(/\bat .+:\d+:\d+/.test(line), 'no stack trace')
    for (const s of c.expect) t.ok(line.includes(s), `mentions ${JSON.stringify(s)}: ${line}`)
    for (const s of c.never ?? []) t.notOk(line.includes(s), `never shows ${JSON.stringify(s)}`)
  })
}

t.test('every problem is collected, one line each', async (t) => {
  const r = loadConfig({
    argv: ['--upstream', 'nope', '--pkce=maybe'],
    env: { AUTH_PROXY_COOKIE_SECRET: 'tiny', AUTH_PROXY_SESSION_MAX_AGE: '40d', AUTH_PROXY_BOGUS: '1' },
    cwd: process.cwd()
  })
  t.equal(r.ok, false)
  if (r.ok) return
  // --pkce=maybe is a flag syntax problem; the rest are values and rules
  t.same(r.problems.length, 8, r.problems.join('\n'))
  t.ok(r.problems.some((p) => p.startsWith('flag --pkce')))
  t.ok(r.problems.some((p) => p.startsWith('--upstream: "nope"')))
  t.ok(r.problems.some((p) => p.startsWith('AUTH_PROXY_BOGUS')))
  t.ok(r.problems.some((p) => p.startsWith('AUTH_PROXY_COOKIE_SECRET')))
  t.ok(r.problems.some((p) => p.startsWith('AUTH_PROXY_SESSION_MAX_AGE')))
  t.ok(r.problems.some((p) => p.startsWith('clientId: required')))
  t.ok(r.problems.some((p) => p.startsWith('clientSecret: required')))
  t.ok(r.problems.some((p) => p.startsWith('redirectUrl: required')))
})
