import { createServer } from 'node:net'
import { PassThrough } from 'node:stream'
import t from 'tap'
import { request } from 'undici'
import { demoCommand } from '../../src/cli/commands/demo.js'
import { Browser, signIn } from '../helpers/browser.js'

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
