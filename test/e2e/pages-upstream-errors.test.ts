// SPEC §5: upstream down is 502, no response headers within upstreamTimeout is 504; both a small
// page for a browser navigation and JSON for an API client.
import { createServer, type Socket } from 'node:net'
import t, { type Test } from 'tap'
import { request } from 'undici'
import { Browser, signIn } from '../helpers/browser.js'
import { startStack, type Stack } from '../helpers/stack.js'
import { freePort } from '../session/redis-helpers.js'

// Accepts connections and never answers: the upstream that sends no headers.
async function silentUpstream (t: Test): Promise<string> {
  const sockets = new Set<Socket>()
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.resume()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => {
    for (const socket of sockets) socket.destroy()
    server.close(() => resolve())
  }))
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`
}

async function signedInCookie (stack: Stack): Promise<string> {
  const browser = new Browser()
  await signIn(browser, stack.proxyUrl)
  return [...browser.cookies(stack.proxyUrl)].map(([k, v]) => `${k}=${v}`).join('; ')
}

async function both (t: Test, stack: Stack, cookie: string, status: number, error: string, pageText: RegExp): Promise<void> {
  const began = Date.now()
  const api = await request(`${stack.proxyUrl}/api/data`, { headers: { cookie, accept: 'application/json' } })
  t.equal(api.statusCode, status, `API client: ${status}`)
  t.match(api.headers['content-type'], /^application\/json/)
  t.strictSame(await api.body.json(), { error }, 'JSON body')
  t.notOk('content-security-policy' in api.headers, 'no page headers on JSON')

  const page = await request(`${stack.proxyUrl}/dashboard`, { headers: { cookie, accept: 'text/html', 'accept-language': 'en' } })
  t.equal(page.statusCode, status, `browser: ${status}`)
  t.equal(page.headers['content-type'], 'text/html; charset=utf-8')
  t.match(page.headers['content-security-policy'], /default-src 'none'/, 'with the page headers')
  t.equal(page.headers['cache-control'], 'no-store')
  const html = await page.body.text()
  t.match(html, pageText, 'says what happened')
  t.match(html, /Request ID: /, 'with the request id to quote')
  t.ok(Date.now() - began < 10_000, 'answered in bounded time')
}

t.test('upstream down: 502 page for a browser, JSON for an API client', async (t) => {
  const stack = await startStack(t, { config: { upstream: `http://127.0.0.1:${await freePort()}` } })
  await both(t, stack, await signedInCookie(stack), 502, 'upstream_unavailable', /cannot be reached right now/)
})

t.test('no response headers within upstreamTimeout: 504 page for a browser, JSON for an API client', async (t) => {
  const stack = await startStack(t, { config: { upstream: await silentUpstream(t), upstreamTimeout: '1s' } })
  await both(t, stack, await signedInCookie(stack), 504, 'upstream_timeout', /took too long to answer/)
})
