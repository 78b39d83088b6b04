import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { loadConfig, type Config, type LoadResult } from '../../src/config/index.js'
import { CLIENT_SECRET, validEnv } from './fixtures.js'

function expectOk (t: Test, r: LoadResult): Config & { origins: Record<string, string> } {
  if (!r.ok) {
    t.fail(`unexpected problems:\n${r.problems.join('\n')}`)
    throw new Error('config did not load')
  }
  return Object.assign(Object.create(r.config) as Config, { origins: r.origins })
}

t.test('flag > env > file > default', async (t) => {
  const dir = t.testdir({ 'c.yaml': 'scope: from-file\nuserinfoTtl: 1m\nlogLevel: debug\nlogFormat: pretty\n' })
  const env = { ...validEnv, AUTH_PROXY_SCOPE: 'from-env', AUTH_PROXY_USERINFO_TTL: '2m', AUTH_PROXY_LOG_LEVEL: 'warn' }
  const c = expectOk(t, loadConfig({ argv: ['--config', 'c.yaml', '--scope', 'from-flag'], env, cwd: dir }))
  t.equal(c.scope, 'from-flag')
  t.equal(c.origins.scope, 'flag')
  t.equal(c.userinfoTtl, 120_000)
  t.equal(c.origins.userinfoTtl, 'env')
  t.equal(c.logFormat, 'pretty')
  t.equal(c.origins.logFormat, 'file')
  t.equal(c.refreshSkew, 300_000)
  t.equal(c.origins.refreshSkew, 'default')
})

t.test('AUTH_PROXY_CONFIG names the file; --config wins over it', async (t) => {
  const dir = t.testdir({ 'a.yaml': 'scope: a\n', 'b.yaml': 'scope: b\n' })
  const env = { ...validEnv, AUTH_PROXY_CONFIG: 'a.yaml' }
  t.equal(expectOk(t, loadConfig({ argv: [], env, cwd: dir })).scope, 'a')
  t.equal(expectOk(t, loadConfig({ argv: ['--config=b.yaml'], env, cwd: dir })).scope, 'b')
  const missing = loadConfig({ argv: ['--config', 'nope.yaml'], env: validEnv, cwd: dir })
  t.same(missing.ok ? [] : missing.problems, ['--config "nope.yaml": cannot read the file (ENOENT)'])
})

t.test('every option can come from the YAML file alone', async (t) => {
  const dir = t.testdir()
  writeFileSync(join(dir, 'c.yaml'), Object.entries({ ...validEnv })
    .map(([k, v]) => `${k.slice('AUTH_PROXY_'.length).toLowerCase().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())}: "${v}"`).join('\n'))
  const c = expectOk(t, loadConfig({ argv: ['--config', 'c.yaml'], env: {}, cwd: dir }))
  t.equal(c.clientSecret, CLIENT_SECRET)
  t.equal(c.origins.clientSecret, 'file')
})

t.test('*_FILE reads a secret from a file, one trailing newline trimmed', async (t) => {
  const dir = t.testdir({ lf: 'from-file\n', crlf: 'from-file\r\n', two: 'from-file\n\n', none: 'from-file' })
  const cases: Array<[string, string]> = [['lf', 'from-file'], ['crlf', 'from-file'], ['two', 'from-file\n'], ['none', 'from-file']]
  for (const [file, expected] of cases) {
    const env = { ...validEnv, AUTH_PROXY_CLIENT_SECRET: undefined, AUTH_PROXY_CLIENT_SECRET_FILE: file }
    const c = expectOk(t, loadConfig({ argv: [], env, cwd: dir }))
    t.equal(c.clientSecret, expected, file)
    t.equal(c.origins.clientSecret, 'env')
  }
  const pemDir = t.testdir({ secret: 'x'.repeat(40) + '\n' })
  const c = expectOk(t, loadConfig({ argv: [], env: { ...validEnv, AUTH_PROXY_COOKIE_SECRET: undefined, AUTH_PROXY_COOKIE_SECRET_FILE: join(pemDir, 'secret') }, cwd: dir }))
  t.equal(c.cookieSecret.toString(), 'x'.repeat(40), 'absolute paths work too')
})

t.test('booleans: --flag, --flag=false, true/false/1/0', async (t) => {
  const dir = t.testdir({ 'c.yaml': 'allowBearer: 1\npassAccessToken: true\n' })
  const c = expectOk(t, loadConfig({ argv: ['--pkce=false', '--auto-authorize', '--config', 'c.yaml'], env: { ...validEnv, AUTH_PROXY_PASS_ACCESS_TOKEN: '0' }, cwd: dir }))
  t.equal(c.pkce, false)
  t.equal(c.autoAuthorize, true)
  t.equal(c.allowBearer, true)
  t.equal(c.passAccessToken, false, 'env 0 beats file true')
})

t.test('durations', async (t) => {
  const cases: Array<[string | number, number]> = [['90', 90_000], [90, 90_000], ['90s', 90_000], ['5m', 300_000], ['2h', 7_200_000], ['7d', 604_800_000], ['0', 0]]
  for (const [raw, ms] of cases) {
    const dir = t.testdir({ 'c.yaml': `userinfoTtl: ${typeof raw === 'number' ? raw : JSON.stringify(raw)}\n` })
    t.equal(expectOk(t, loadConfig({ argv: ['--config', 'c.yaml'], env: validEnv, cwd: dir })).userinfoTtl, ms, String(raw))
  }
  for (const raw of ['1.5h', '5 m', '-1s', '10ms', '1w', 'PT5M', '']) {
    const r = loadConfig({ argv: ['--userinfo-ttl=' + raw], env: validEnv, cwd: process.cwd() })
    t.same(r.ok ? [] : r.problems.map((p) => p.startsWith('--userinfo-ttl: ')), [true], `${JSON.stringify(raw)} is a problem`)
  }
})

t.test('derived defaults and overrides', async (t) => {
  const base = expectOk(t, loadConfig({ argv: ['--provider-url', 'http://127.0.0.1:4181/ignored/'], env: validEnv, cwd: process.cwd() }))
  t.equal(base.authorizeUrl.href, 'http://127.0.0.1:4181/api/oauth2/authorize')
  t.equal(base.tokenUrl.href, 'http://127.0.0.1:4181/api/oauth2/token')
  t.equal(base.userinfoUrl.href, 'http://127.0.0.1:4181/api/oauth2/userinfo')
  t.equal(base.topupUrl.href, 'http://127.0.0.1:4181/api/oauth2/topup')
  t.equal(base.appsUrl.href, 'http://127.0.0.1:4181/api/oauth_apps')
  t.equal(base.origins.tokenUrl, 'default')
  t.equal(base.sessionStore, 'memory')
  const over = expectOk(t, loadConfig({ argv: ['--token-url', 'https://tokens.example.com/t'], env: { ...validEnv, AUTH_PROXY_REDIS_URL: 'rediss://r:6380' }, cwd: process.cwd() }))
  t.equal(over.tokenUrl.href, 'https://tokens.example.com/t')
  t.equal(over.authorizeUrl.href, 'https://aihubmix.com/api/oauth2/authorize')
  t.equal(over.sessionStore, 'redis', 'a redis option makes redis the default store')
  const sentinels = expectOk(t, loadConfig({ argv: ['--redis-sentinels', 's1:26379, [::1]:26380', '--redis-sentinel-master', 'm'], env: validEnv, cwd: process.cwd() }))
  t.same(sentinels.redisSentinels, [{ host: 's1', port: 26379 }, { host: '::1', port: 26380 }])
  t.equal(sentinels.sessionStore, 'redis')
})

t.test('cookie name gets __Host- only when secure and host-only', async (t) => {
  t.equal(expectOk(t, loadConfig({ argv: [], env: validEnv, cwd: '.' })).cookieName, '__Host-_aihubmix_auth')
  t.equal(expectOk(t, loadConfig({ argv: ['--cookie-domain', 'example.com'], env: validEnv, cwd: '.' })).cookieName, '_aihubmix_auth')
  const local = { ...validEnv, AUTH_PROXY_COOKIE_SECURE: 'false', AUTH_PROXY_REDIRECT_URL: 'http://[::1]:4180/oauth2/callback' }
  t.equal(expectOk(t, loadConfig({ argv: [], env: local, cwd: '.' })).cookieName, '_aihubmix_auth')
  t.equal(expectOk(t, loadConfig({ argv: ['--cookie-name', '__Host-mine'], env: validEnv, cwd: '.' })).cookieName, '__Host-mine', 'never doubled')
})

t.test('cookieSecret: base64 that decodes to >= 32 bytes is decoded, else raw bytes', async (t) => {
  const key = Buffer.alloc(32, 7)
  const load = (s: string): Buffer => expectOk(t, loadConfig({ argv: [], env: { ...validEnv, AUTH_PROXY_COOKIE_SECRET: s }, cwd: '.' })).cookieSecret
  t.same(load(key.toString('base64url')), key, 'base64url (generate-secret)')
  t.same(load(key.toString('base64')), key, 'base64 with padding')
  t.same(load(Buffer.alloc(48, 9).toString('base64')), Buffer.alloc(48, 9))
  t.same(load('0123456789abcdef0123456789abcdef'), Buffer.from('0123456789abcdef0123456789abcdef'), '32 hex chars: raw bytes (decodes to only 24)')
  t.same(load('a passphrase that is long enough!!'), Buffer.from('a passphrase that is long enough!!'))
})

t.test('lists, routes, rate limit, listen forms', async (t) => {
  const dir = t.testdir({ 'c.yaml': 'apiRoutes:\n  - "^/api/v1,2"\nallowedUsers: [" 42 ", 7]\nclientId: 12345\n' })
  const c = expectOk(t, loadConfig({
    argv: ['--config', 'c.yaml', '--skip-auth-routes', '^/a{1,3}$, get=^/health$', '--skip-auth-routes', 'POST=^/hook',
      '--allowed-email-domains', 'Example.COM,.Sub.Example.com', '--trust-proxy', '10.0.0.0/8,::1,loopback',
      '--metrics-listen=', '--login-rate-limit', '5/30s', '--listen', '[::]:8080', '--min-balance', '2.50'],
    env: validEnv,
    cwd: dir
  }))
  t.same(c.skipAuthRoutes.map((r) => [r.method, r.pattern.source]), [[undefined, '^\\/a{1,3}$'], ['GET', '^\\/health$'], ['POST', '^\\/hook']])
  t.same(c.apiRoutes.map((r) => r.source), ['^\\/api\\/v1,2'], 'YAML list items are not split')
  t.same(c.allowedUsers, ['42', '7'], 'YAML numbers are read as the text they were')
  t.equal(c.clientId, 'client-id', 'env beats file')
  t.same(c.allowedEmailDomains, ['example.com', '.sub.example.com'])
  t.same(c.trustProxy, ['10.0.0.0/8', '::1', 'loopback'])
  t.equal(c.metricsListen, null)
  t.same(c.loginRateLimit, { max: 5, windowMs: 30_000 })
  t.same(c.listen, { host: '::', port: 8080 })
  t.equal(c.minBalance, 2.5)
  const d = expectOk(t, loadConfig({ argv: ['--login-rate-limit', '0', '--trust-proxy', 'false'], env: validEnv, cwd: '.' }))
  t.equal(d.loginRateLimit, null)
  t.equal(d.trustProxy, false)
  t.same(d.metricsListen, { host: '0.0.0.0', port: 9180 })
  t.same(d.skipAuthRoutes, [])
})

t.test('YAML null leaves the option at its default; unrelated env is ignored', async (t) => {
  const dir = t.testdir({ 'c.yaml': 'scope:\ncookieDomain: null\n' })
  const env = { ...validEnv, PATH: '/bin', AUTH_PROXY_DEVELOPER_TOKEN: 't', AUTH_PROXY_DEVELOPER_TOKEN_FILE: '/x' }
  const c = expectOk(t, loadConfig({ argv: ['--config', 'c.yaml'], env, cwd: dir }))
  t.equal(c.scope, 'profile balance')
  t.equal(c.cookieDomain, undefined)
})

t.test('an empty YAML file is no options', async (t) => {
  const dir = t.testdir({ 'c.yaml': '# nothing yet\n' })
  expectOk(t, loadConfig({ argv: ['--config', 'c.yaml'], env: validEnv, cwd: dir }))
})

t.test('the result is deep-frozen', async (t) => {
  const r = loadConfig({ argv: ['--skip-auth-routes', 'GET=^/x', '--redis-cluster-nodes', 'a:1,b:2'], env: validEnv, cwd: '.' })
  const c = expectOk(t, r)
  if (!r.ok) return
  const config = r.config
  t.ok(Object.isFrozen(config))
  t.ok(Object.isFrozen(config.listen))
  t.ok(Object.isFrozen(config.skipAuthRoutes))
  t.ok(Object.isFrozen(config.skipAuthRoutes[0]))
  t.ok(Object.isFrozen(config.redisClusterNodes?.[0]))
  t.ok(Object.isFrozen(config.upstream))
  t.throws(() => { (config as { scope: string }).scope = 'x' }, TypeError)
  t.throws(() => { config.allowedUsers.push('x') }, TypeError)
  t.throws(() => { (config.listen as { port: number }).port = 1 }, TypeError)
  t.equal(c.cookieSecret.length >= 32, true)
})
