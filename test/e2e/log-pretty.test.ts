// SPEC §3 logFormat=pretty: the real bin, started with it, writes human-readable lines instead of
// JSON, and a login, a proxied request and a sign-out through it at debug level leave no secret,
// token or cookie value in them (test/observability/redaction.test.ts shows the censored
// fields in this format).
import { spawn } from 'node:child_process'
import t from 'tap'
import { request } from 'undici'
import { buildDemoUpstream } from '../../src/demo/upstream.js'
import { buildSimulator } from '../../src/simulator/app.js'
import { cliArgs, proxyEnv, ROOT } from '../cli/bin.js'
import { Browser, signIn } from '../helpers/browser.js'
import { COOKIE_SECRET } from '../helpers/stack.js'
import { freePort, until } from '../session/redis-helpers.js'

const CLIENT_SECRET = 'pretty-client-secret-5b1e'

t.test('logFormat=pretty: readable lines, no secret in them', async (t) => {
  const simulator = await buildSimulator()
  const simulatorUrl = await simulator.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => simulator.close())
  const upstream = await buildDemoUpstream()
  const upstreamUrl = await upstream.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => upstream.close())
  const port = await freePort()
  const proxyUrl = `http://127.0.0.1:${port}`
  await request(`${simulatorUrl}/__control/clients`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: 'pretty-client', client_secret: CLIENT_SECRET, redirect_uri: `${proxyUrl}/oauth2/callback` })
  }).then((res) => res.body.dump())

  const child = spawn(process.execPath, cliArgs(), {
    cwd: ROOT,
    env: proxyEnv({
      upstream: upstreamUrl,
      port,
      providerUrl: simulatorUrl,
      clientId: 'pretty-client',
      clientSecret: CLIENT_SECRET,
      cookieSecret: COOKIE_SECRET,
      extra: {
        AUTH_PROXY_LOG_LEVEL: 'debug',
        AUTH_PROXY_LOG_FORMAT: 'pretty'
      }
    })
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d })
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d })
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
  t.teardown(async () => {
    if (child.exitCode === null) child.kill('SIGKILL')
    await exited
  })
  await until(() => stdout.includes('aihubmix-auth-proxy listening') || child.exitCode !== null, 20_000)
  t.equal(child.exitCode, null, `the proxy started ${stderr}`)

  const browser = new Browser()
  t.equal((await signIn(browser, proxyUrl)).status, 302, 'signed in')
  const cookieValues = [...browser.cookies(proxyUrl).values()]
  t.equal((await browser.fetch(`${proxyUrl}/headers`)).status, 200, 'a proxied request')
  const out = await browser.fetch(`${proxyUrl}/oauth2/sign_out`, { method: 'POST', headers: { origin: proxyUrl } })
  t.equal(out.status, 302, 'signed out')
  await until(() => stdout.includes('signed out'))
  child.kill('SIGTERM')
  t.equal(await exited, 0, 'stops cleanly')

  const lines = stdout.split('\n').filter((l) => l.trim() !== '')
  t.notOk(lines.some((l) => l.trimStart().startsWith('{')), 'no JSON line')
  t.match(stdout, /^\[[^\]]+\] INFO .*: aihubmix-auth-proxy listening$/m, 'a time, the level in words, the message')
  t.match(stdout, /^\[[^\]]+\] INFO .*: signed in$/m, 'the login')
  t.match(stdout, /^\s+event: "login"$/m, 'its fields, one per line')
  t.match(stdout, /^\[[^\]]+\] DEBUG /m, 'debug lines too')
  t.match(stdout, /request completed/, 'access lines')
  for (const [name, value] of [['client secret', CLIENT_SECRET], ['cookie secret', COOKIE_SECRET], ...cookieValues.map((v) => ['cookie value', v])]) {
    t.notOk(stdout.includes(value ?? ''), `no ${name ?? ''} in the output`)
  }
  for (const token of simulator.state.tokens.keys()) {
    if (stdout.includes(token)) t.fail('a token in the output')
  }
  t.ok(simulator.state.tokens.size >= 2, 'tokens were issued (and none logged)')
})
