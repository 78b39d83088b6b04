import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { PassThrough } from 'node:stream'
import t from 'tap'
import { request } from 'undici'
import { demoCommand } from '../../src/cli/commands/demo.js'
import { cliArgs, ROOT } from '../cli/bin.js'
import { Browser, signIn } from '../helpers/browser.js'
import { until } from '../session/redis-helpers.js'

function freePort (): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number }
      srv.close(() => resolve(port))
    })
  })
}

t.test('the demo runs the simulator, the demo app and the proxy; a login reaches the app with headers', async (t) => {
  const [port, providerPort, upstreamPort] = [await freePort(), await freePort(), await freePort()]
  const stop = new AbortController()
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let output = ''
  stdout.on('data', (chunk) => { output += String(chunk) })
  stderr.on('data', (chunk) => { output += String(chunk) })
  const exit = demoCommand.run({
    argv: ['--port', String(port), '--provider-port', String(providerPort), '--upstream-port', String(upstreamPort)],
    env: {},
    stdout,
    stderr,
    cwd: process.cwd(),
    signal: stop.signal
  })
  t.teardown(async () => { stop.abort(); await exit })
  const proxyUrl = `http://localhost:${port}`
  for (let i = 0; !output.includes('demo ready'); i++) {
    if (i > 200) throw new Error(`demo did not start: ${output}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  const browser = new Browser()
  const callback = await signIn(browser, proxyUrl)
  t.equal(callback.status, 302)
  const cookie = [...browser.cookies(proxyUrl)].map(([k, v]) => `${k}=${v}`).join('; ')
  const res = await request(`${proxyUrl}/headers`, { headers: { cookie } })
  const seen = await res.body.json() as Record<string, string>
  t.equal(seen['x-user-id'], '1001')
  t.equal(seen['x-user-balance'], '15.00')
  stop.abort()
  t.equal(await exit, 0, 'stops cleanly')
})

// `npm run demo` as an operator runs it: the bin in its own process (dist/cli.js when the build
// is fresh, as `npm test` makes it; the TypeScript source otherwise, see test/cli/bin.ts), real
// sockets only, stopped with SIGTERM.
t.test('the demo as a real process: login over real sockets, headers at the app, SIGTERM exits 0', async (t) => {
  const [port, providerPort, upstreamPort] = [await freePort(), await freePort(), await freePort()]
  const child = spawn(process.execPath, [...cliArgs(), 'demo', '--port', String(port), '--provider-port', String(providerPort),
    '--upstream-port', String(upstreamPort)], { cwd: ROOT, env: { PATH: process.env.PATH ?? '' } })
  let output = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => { output += d })
  child.stderr.setEncoding('utf8').on('data', (d: string) => { output += d })
  const exited = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }))
  })
  t.teardown(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  await until(() => output.includes('demo ready') || child.exitCode !== null, 60_000)
  t.match(output, `demo ready: open http://localhost:${port}`, 'announces where to go')

  const proxyUrl = `http://localhost:${port}`
  const browser = new Browser()
  const first = await browser.fetch(`${proxyUrl}/`)
  t.equal(first.status, 302, 'a signed-out browser is sent to sign in')
  t.equal(first.headers.location, '/oauth2/sign_in?rd=%2F')
  const callback = await signIn(browser, proxyUrl)
  t.equal(callback.status, 302, 'the one-click login through the simulator')
  const home = await browser.fetch(`${proxyUrl}/`)
  t.equal(home.status, 200)
  t.match(home.body, /Signed in as <strong>alice<\/strong>/, 'the demo app greets the user')
  const seen = await browser.fetch(`${proxyUrl}/headers`, { headers: { accept: 'application/json' } })
  const headers = JSON.parse(seen.body) as Record<string, string>
  t.equal(headers['x-user-id'], '1001')
  t.equal(headers['x-user-name'], 'alice')
  t.equal(headers['x-user-email'], 'alice@example.com')
  t.equal(headers['x-user-balance'], '15.00')
  t.notOk(String(headers.cookie ?? '').includes('_aihubmix_auth'), 'the session cookie stays with the proxy')

  child.kill('SIGTERM')
  const { code, signal } = await exited
  t.equal(signal, null, 'not killed by the signal')
  t.equal(code, 0, 'exits 0 after a graceful stop')
})
