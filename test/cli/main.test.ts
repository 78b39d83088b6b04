import { readFile } from 'node:fs/promises'
import t from 'tap'
import { builtinCommands } from '../../src/cli/main.js'
import type { Command } from '../../src/cli/command.js'
import { run } from './capture.js'

t.test('--help lists the commands', async (t) => {
  for (const flag of ['--help', '-h']) {
    const r = await run([flag])
    t.equal(r.code, 0)
    for (const c of builtinCommands) t.match(r.stdout, c.name)
    t.equal(r.stderr, '')
  }
})

t.test('--version prints the package version', async (t) => {
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
  const r = await run(['--version'])
  t.same(r, { code: 0, stdout: pkg.version + '\n', stderr: '' })
})

t.test('an unknown command exits 2 with a did-you-mean', async (t) => {
  const r = await run(['chek-config'])
  t.equal(r.code, 2)
  t.match(r.stderr, 'unknown command "chek-config" (did you mean check-config?)')
  t.equal(r.stdout, '')
  const far = await run(['frobnicate'])
  t.equal(far.code, 2)
  t.notMatch(far.stderr, 'did you mean')
})

t.test('every command answers --help', async (t) => {
  for (const c of builtinCommands) {
    const r = await run([c.name, '--help'])
    t.equal(r.code, 0, c.name)
    t.match(r.stdout, new RegExp(`^Usage: aihubmix-auth-proxy \\[?${c.name}\\b`))
  }
})

const fake = (name: string, run: Command['run']): Command => ({ name, summary: `the ${name} command`, help: () => '', run })

t.test('a flag or nothing first runs serve with every argument', async (t) => {
  const seen: Array<readonly string[]> = []
  const serve = fake('serve', async (ctx) => { seen.push(ctx.argv); return 0 })
  t.equal((await run([], {}, { commands: [serve] })).code, 0)
  t.equal((await run(['--upstream', 'x'], {}, { commands: [serve] })).code, 0)
  t.equal((await run(['serve', '--pkce'], {}, { commands: [serve] })).code, 0)
  t.same(seen, [[], ['--upstream', 'x'], ['--pkce']])
  const help = await run(['--help'], {}, { commands: [serve] })
  t.match(help.stdout, 'the serve command (default)')
})

t.test('without a serve command the default is a usage error', async (t) => {
  const r = await run(['--upstream', 'x'], {}, { commands: [] })
  t.equal(r.code, 2)
  t.match(r.stderr, 'serve is not available')
})

t.test('a command that throws exits 1 with the error, not a crash', async (t) => {
  const boom = fake('boom', async () => { throw new Error('kaput') })
  const r = await run(['boom'], {}, { commands: [boom] })
  t.equal(r.code, 1)
  t.match(r.stderr, 'aihubmix-auth-proxy boom: Error: kaput')
})

t.test('generate-secret prints 32 random bytes as base64url, one line', async (t) => {
  const a = await run(['generate-secret'])
  const b = await run(['generate-secret'])
  t.equal(a.code, 0)
  t.match(a.stdout, /^[A-Za-z0-9_-]{43}\n$/)
  t.equal(Buffer.from(a.stdout.trim(), 'base64url').length, 32)
  t.not(a.stdout, b.stdout)
  const bad = await run(['generate-secret', '--length', '64'])
  t.equal(bad.code, 2)
  t.match(bad.stderr, 'generate-secret: unknown flag --length')
  t.equal(bad.stdout, '')
})

t.test('a generated secret is accepted as cookieSecret as it is', async (t) => {
  const secret = (await run(['generate-secret'])).stdout.trim()
  const r = await run(['check-config', '--upstream', 'http://a', '--client-id', 'c', '--client-secret', 's',
    '--redirect-url', 'https://a.example/oauth2/callback'], { AUTH_PROXY_COOKIE_SECRET: secret })
  t.equal(r.code, 0, r.stderr)
})
