import { spawn } from 'node:child_process'
import { createServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import t from 'tap'
import { validEnv } from '../config/fixtures.js'
import { makeSelfSignedCert } from '../helpers/certs.js'
import { freePort } from '../session/redis-helpers.js'
import { cliArgs, ROOT as root } from './bin.js'

async function runCli (args: string[], env: Record<string, string>): Promise<{ code: number | null, stdout: string, stderr: string }> {
  // only PATH from the parent: the test's own AUTH_PROXY_* variables must not leak in
  const child = spawn(process.execPath, [...cliArgs(), ...args], { cwd: root, env: { PATH: process.env.PATH ?? '', ...env } })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d })
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d })
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', resolve)
  })
  return { code, stdout, stderr }
}

t.test('check-config with a bad environment exits 2 with one line per problem', async (t) => {
  const r = await runCli(['check-config'], {
    AUTH_PROXY_UPSTREAM: 'ftp://nope',
    AUTH_PROXY_COOKIE_SECRET: '10-bytes!!',
    AUTH_PROXY_CLIENT_ID: 'c',
    AUTH_PROXY_COOKIE_SECURE: 'false',
    AUTH_PROXY_REDIRECT_URL: 'https://app.example.com/oauth2/callback',
    AUTH_PROXY_SESION_STORE: 'memory'
  })
  t.equal(r.code, 2)
  t.equal(r.stdout, '')
  const lines = r.stderr.trimEnd().split('\n')
  t.same(lines.map((l) => l.split(':')[0]).sort(), [
    'AUTH_PROXY_COOKIE_SECRET',
    'AUTH_PROXY_COOKIE_SECURE',
    'AUTH_PROXY_SESION_STORE',
    'AUTH_PROXY_UPSTREAM',
    'clientSecret'
  ], r.stderr)
  t.notMatch(r.stderr, '10-bytes!!')
  t.notMatch(r.stderr, /\n\s+at /, 'no stack trace')
})

t.test('check-config with a good environment exits 0 and prints YAML', async (t) => {
  const r = await runCli(['check-config', '--log-level', 'warn'], validEnv)
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, /^logLevel: warn {2}# flag: --log-level$/m)
  t.match(r.stdout, /^cookieSecret: "\[redacted\]" {2}# env: AUTH_PROXY_COOKIE_SECRET$/m)
})

t.test('an unknown command exits 2', async (t) => {
  const r = await runCli(['generate-secrets'], {})
  t.equal(r.code, 2)
  t.match(r.stderr, 'did you mean generate-secret?')
})

// SPEC §3: a file that cannot serve HTTPS is a configuration problem, found before anything
// listens: exit 2 and one plain line per problem, never a stack trace.
t.test('serve with unusable TLS files exits 2 with one line per file', async (t) => {
  const dir = t.testdir({ 'garbage.pem': 'not a certificate\n' })
  const r = await runCli([], {
    ...validEnv,
    AUTH_PROXY_LISTEN: '127.0.0.1:0',
    AUTH_PROXY_METRICS_LISTEN: '',
    AUTH_PROXY_TLS_CERT_FILE: join(dir, 'missing-cert.pem'),
    AUTH_PROXY_TLS_KEY_FILE: join(dir, 'garbage.pem')
  })
  t.equal(r.code, 2, r.stderr)
  t.same(r.stderr.trimEnd().split('\n'), [
    `AUTH_PROXY_TLS_CERT_FILE: cannot read ${JSON.stringify(join(dir, 'missing-cert.pem'))} (ENOENT); expected a readable PEM certificate file`
  ])
  t.notMatch(r.stderr, /\n\s+at /, 'no stack trace')
  t.equal(r.stdout, '', 'nothing started, nothing logged')
})

t.test('check-config reports a certificate and key that do not belong together', async (t) => {
  const a = await makeSelfSignedCert(t, 'aap-process-a')
  const b = await makeSelfSignedCert(t, 'aap-process-b')
  const r = await runCli(['check-config', '--tls-cert-file', a.certFile, '--tls-key-file', b.keyFile, '--upstream-ca-file', '/nonexistent/ca.pem'], validEnv)
  t.equal(r.code, 2)
  t.same(r.stderr.trimEnd().split('\n').sort(), [
    '--tls-key-file: the key does not match the certificate; expected a PEM certificate and its own PEM private key',
    '--upstream-ca-file: cannot read "/nonexistent/ca.pem" (ENOENT); expected a readable PEM CA bundle'
  ])
  t.notMatch(r.stderr, /BEGIN|\n\s+at /, 'no key material, no stack trace')
})

t.test('serve with metricsListen on the proxy\'s address exits 2 with one line', async (t) => {
  const port = await freePort()
  const r = await runCli([], { ...validEnv, AUTH_PROXY_LISTEN: `0.0.0.0:${port}`, AUTH_PROXY_METRICS_LISTEN: `127.0.0.1:${port}` })
  t.equal(r.code, 2)
  t.same(r.stderr.trimEnd().split('\n'), [
    `AUTH_PROXY_METRICS_LISTEN: 127.0.0.1:${port} is the proxy's own address (listen 0.0.0.0:${port}); expected another port, or empty to disable metrics`
  ])
})

// A port taken by another process is a runtime failure, not a bad setting: exit 1, still one
// plain line naming the option and the address.
t.test('serve on a port in use exits 1 with one line, for listen and for metricsListen', async (t) => {
  const busy = createServer()
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => busy.close(() => resolve())))
  const { port } = busy.address() as AddressInfo

  const proxy = await runCli([], { ...validEnv, AUTH_PROXY_LISTEN: `127.0.0.1:${port}`, AUTH_PROXY_METRICS_LISTEN: '' })
  t.equal(proxy.code, 1)
  t.equal(proxy.stderr, `aihubmix-auth-proxy: listen 127.0.0.1:${port}: the address is already in use (EADDRINUSE); expected a free address and port\n`)

  const metrics = await runCli([], { ...validEnv, AUTH_PROXY_LISTEN: '127.0.0.1:0', AUTH_PROXY_METRICS_LISTEN: `127.0.0.1:${port}` })
  t.equal(metrics.code, 1, 'the proxy listened, then let go when metrics could not')
  t.equal(metrics.stderr, `aihubmix-auth-proxy: metricsListen 127.0.0.1:${port}: the address is already in use (EADDRINUSE); expected a free address and port\n`)
})
