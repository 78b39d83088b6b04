import { EventEmitter, once } from 'node:events'
import { Writable } from 'node:stream'
import t from 'tap'
import { request } from 'undici'
import { parseListen, simulateProviderCommand } from '../../src/cli/commands/simulate-provider.js'
import type { CommandContext } from '../../src/cli/command.js'

class Capture extends Writable {
  text = ''
  readonly lines = new EventEmitter()
  override _write (chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString()
    this.lines.emit('data')
    done()
  }
}

function context (argv: string[], signal = new AbortController().signal): CommandContext & { stdout: Capture, stderr: Capture } {
  return { argv, env: {}, stdout: new Capture(), stderr: new Capture(), cwd: process.cwd(), signal }
}

// The first log line that carries the listening URL.
async function listeningUrl (stderr: Capture): Promise<string> {
  for (;;) {
    for (const line of stderr.text.split('\n')) {
      if (line.startsWith('{')) {
        const rec = JSON.parse(line)
        if (typeof rec.url === 'string') return rec.url
      }
    }
    await once(stderr.lines, 'data')
  }
}

t.test('simulate-provider listens, logs its URL and stops on abort', async (t) => {
  const ac = new AbortController()
  const ctx = context(['--listen', '127.0.0.1:0'], ac.signal)
  const done = simulateProviderCommand.run(ctx)
  t.teardown(() => ac.abort())
  const url = await listeningUrl(ctx.stderr)
  t.match(url, /^http:\/\/127\.0\.0\.1:\d+$/)
  const logLine = ctx.stderr.text.split('\n').find((l) => l.includes('"url":'))
  t.match(logLine, /never be exposed/)

  const res = await request(`${url}/__control/calls`)
  t.equal(res.statusCode, 200)
  t.equal((await res.body.json() as { authorize: number }).authorize, 0)

  ac.abort()
  t.equal(await done, 0)
  await t.rejects(request(`${url}/__control/calls`), 'closed after abort')
})

t.test('simulate-provider exits 0 at once when already aborted', async (t) => {
  const ac = new AbortController()
  ac.abort()
  t.equal(await simulateProviderCommand.run(context(['--listen', '127.0.0.1:0'], ac.signal)), 0)
})

t.test('--help prints usage and the default listen address', async (t) => {
  const ctx = context(['--help'])
  t.equal(await simulateProviderCommand.run(ctx), 0)
  t.match(ctx.stdout.text, /Usage: aihubmix-auth-proxy simulate-provider/)
  t.match(ctx.stdout.text, /127\.0\.0\.1:4181/)
  t.equal(simulateProviderCommand.help(), ctx.stdout.text)
  t.equal(simulateProviderCommand.name, 'simulate-provider')
})

t.test('a bad --listen or an unknown flag exits 2 with a clear line', async (t) => {
  for (const value of ['4181', 'localhost', 'host:port', '127.0.0.1:65536', ':4181', '::1:4181', '']) {
    const ctx = context(['--listen', value])
    t.equal(await simulateProviderCommand.run(ctx), 2, JSON.stringify(value))
    t.match(ctx.stderr.text, /^simulate-provider: --listen must be host:port/)
  }
  const ctx = context(['--lisen', '127.0.0.1:0'])
  t.equal(await simulateProviderCommand.run(ctx), 2)
  t.match(ctx.stderr.text, /unknown flag --lisen \(did you mean --listen\?\)/)
  const pos = context(['extra'])
  t.equal(await simulateProviderCommand.run(pos), 2)
})

t.test('a port already in use exits 1', async (t) => {
  const ac = new AbortController()
  const first = context(['--listen', '127.0.0.1:0'], ac.signal)
  const running = simulateProviderCommand.run(first)
  t.teardown(() => ac.abort())
  const port = new URL(await listeningUrl(first.stderr)).port
  const second = context(['--listen', `127.0.0.1:${port}`])
  t.equal(await simulateProviderCommand.run(second), 1)
  t.match(second.stderr.text, /cannot listen on/)
  ac.abort()
  t.equal(await running, 0)
})

t.test('parseListen', async (t) => {
  t.same(parseListen('127.0.0.1:4181'), { host: '127.0.0.1', port: 4181 })
  t.same(parseListen('localhost:0'), { host: 'localhost', port: 0 })
  t.same(parseListen('[::1]:4181'), { host: '::1', port: 4181 })
  t.same(parseListen('0.0.0.0:80'), { host: '0.0.0.0', port: 80 })
  t.equal(parseListen('[::1]4181'), undefined)
  t.equal(parseListen('a b:1'), undefined)
})
