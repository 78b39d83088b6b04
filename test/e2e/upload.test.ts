// SPEC §5: request bodies are streamed to the upstream, never buffered. A 200 MB body, made on
// the fly, goes through the real bin (a child process, so its memory is its own) to an upstream
// that hashes it as it streams; the hashes match and the proxy's RSS stays within 50 MB of its idle size.
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { Readable } from 'node:stream'
import t, { type Test } from 'tap'
import { request } from 'undici'
import { COOKIE_SECRET } from '../helpers/stack.js'
import { freePort, until } from '../session/redis-helpers.js'
import { cliArgs, proxyEnv, ROOT as root } from '../cli/bin.js'

const MB = 1024 * 1024

interface HashingUpstream { url: string, received: () => number }

// An upstream that hashes each upload while it streams in and answers the digest and size.
async function startHashingUpstream (t: Test): Promise<HashingUpstream> {
  let received = 0
  const server = createServer((req, res) => {
    const hash = createHash('sha256')
    let bytes = 0
    req.on('data', (chunk: Buffer) => {
      hash.update(chunk)
      bytes += chunk.length
      received += chunk.length
    })
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ sha256: hash.digest('hex'), bytes }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => {
    server.closeAllConnections()
    server.close(() => resolve())
  }))
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, received: () => received }
}

async function spawnProxy (t: Test, upstreamUrl: string): Promise<{ pid: number, url: string }> {
  const port = await freePort()
  const child = spawn(process.execPath, cliArgs(), {
    cwd: root,
    env: proxyEnv({
      upstream: upstreamUrl,
      port,
      // never contacted: /upload needs no login
      providerUrl: 'http://127.0.0.1:9',
      clientId: 'upload-client',
      clientSecret: 'upload-secret',
      cookieSecret: COOKIE_SECRET,
      extra: {
        AUTH_PROXY_SESSION_STORE: 'memory',
        AUTH_PROXY_SKIP_AUTH_ROUTES: '^/upload',
        AUTH_PROXY_LOG_LEVEL: 'warn'
      }
    })
  })
  let output = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => { output += d })
  child.stderr.setEncoding('utf8').on('data', (d: string) => { output += d })
  let running = true
  const exited = new Promise<void>((resolve) => child.on('close', () => { running = false; resolve() }))
  t.teardown(async () => {
    if (running && child.pid !== undefined) process.kill(child.pid, 'SIGKILL')
    await exited
  })
  const url = `http://127.0.0.1:${port}`
  // logLevel warn prints no listening line: poll the liveness endpoint instead.
  await until(async () => {
    if (!running) return true
    try {
      const res = await request(`${url}/healthz`)
      await res.body.dump()
      return res.statusCode === 200
    } catch {
      return false
    }
  }, 20_000)
  if (!running || child.pid === undefined) throw new Error(`the proxy did not start:\n${output}`)
  return { pid: child.pid, url }
}

async function rssBytes (pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status)
  if (kb === null) throw new Error('no VmRSS')
  return Number(kb[1]) * 1024
}

// `size` bytes produced chunk by chunk as the socket asks for them, hashed on the way out.
// `onChunk` sees the running total before each chunk leaves.
function generatedBody (size: number, onChunk: (sent: number) => void): { body: Readable, sha256: () => string } {
  const hash = createHash('sha256')
  const chunk = Buffer.alloc(64 * 1024)
  let sent = 0
  const body = new Readable({
    read () {
      if (sent >= size) {
        this.push(null)
        return
      }
      onChunk(sent)
      const n = Math.min(chunk.length, size - sent)
      // A different pattern per chunk, so a lost, repeated or reordered chunk changes the hash.
      chunk.writeUInt32BE(sent / chunk.length, 0)
      chunk.fill(sent % 251, 4)
      const piece = Buffer.from(chunk.subarray(0, n))
      hash.update(piece)
      sent += n
      this.push(piece)
    }
  })
  return { body, sha256: () => hash.digest('hex') }
}

async function upload (url: string, size: number, onChunk: (sent: number) => void = () => {}): Promise<{ status: number, sha256: string, bytes: number, sent: string }> {
  const generated = generatedBody(size, onChunk)
  const res = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
    body: generated.body
  })
  const answer = await res.body.json() as { sha256: string, bytes: number }
  return { status: res.statusCode, ...answer, sent: generated.sha256() }
}

// Peak RSS of the proxy while `work` runs, sampled every 10 ms.
async function peakRss (pid: number, work: () => Promise<void>): Promise<number> {
  let peak = await rssBytes(pid)
  const state = { sampling: true }
  const sampler = (async () => {
    while (state.sampling) {
      peak = Math.max(peak, await rssBytes(pid))
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  })()
  await work().finally(() => { state.sampling = false })
  await sampler
  return peak
}

t.test('a 200 MB upload streams through the proxy intact while its RSS grows by less than 50 MB', async (t) => {
  const upstream = await startHashingUpstream(t)
  const proxy = await spawnProxy(t, upstream.url)

  // The baseline is the idle RSS after a small warm-up (code loaded and compiled, the upstream
  // connection pool opened), so the bound covers everything the big upload adds: buffers in
  // flight and the garbage V8 has not collected yet. A proxy holding the 200 MB body would grow
  // by at least 200 MB.
  const warm = await upload(`${proxy.url}/upload/warm`, 16 * MB)
  t.equal(warm.status, 200, 'a small upload works')
  t.equal(warm.sha256, warm.sent, 'and arrives intact')
  const idle = await rssBytes(proxy.pid)

  const size = 200 * MB
  let big = { status: 0, sha256: '', bytes: 0, sent: '' }
  // Bytes sent but not yet at the upstream: kernel socket buffers on both hops (loopback
  // autotunes them to several MB each), this process's own backlog, and whatever the proxy
  // holds. A proxy that read the body before forwarding it would let this reach 200 MB.
  const receivedBefore = upstream.received()
  let inFlight = 0
  const track = (sent: number): void => { inFlight = Math.max(inFlight, sent - (upstream.received() - receivedBefore)) }
  const startedAt = Date.now()
  const peak = await peakRss(proxy.pid, async () => { big = await upload(`${proxy.url}/upload/big`, size, track) })
  const seconds = (Date.now() - startedAt) / 1000

  t.equal(big.status, 200)
  t.equal(big.bytes, size, 'every byte arrived')
  t.equal(big.sha256, big.sent, 'the upstream hashed exactly what was sent')
  t.ok(inFlight < 64 * MB, `at most ${(inFlight / MB).toFixed(1)} MB were between the client and the upstream at once`)
  const growth = peak - idle
  t.ok(growth < 50 * MB, `RSS grew by ${(growth / MB).toFixed(1)} MB from idle during the 200 MB upload ` +
    `(idle after warm-up ${(idle / MB).toFixed(1)} MB, peak ${(peak / MB).toFixed(1)} MB, ${seconds.toFixed(1)} s)`)
})
