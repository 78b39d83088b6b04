import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { validEnv } from '../config/fixtures.js'

const root = fileURLToPath(new URL('../../', import.meta.url))

// The real bin as an operator starts it: the built dist/cli.js when present, else the source.
function cliArgs (): string[] {
  return existsSync(`${root}dist/cli.js`) ? ['dist/cli.js'] : ['--import', 'tsx', 'src/cli.ts']
}

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
