// Runs main() in-process with captured stdout/stderr (the pino sink() idea for the CLI).
import { Writable } from 'node:stream'
import { main } from '../../src/cli/main.js'
import type { Command } from '../../src/cli/command.js'

export interface Run { code: number, stdout: string, stderr: string }

function sink (): { stream: Writable, text: () => string } {
  const chunks: Buffer[] = []
  const stream = new Writable({
    write (chunk: Buffer | string, _enc, cb) {
      chunks.push(Buffer.from(chunk))
      cb()
    }
  })
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') }
}

export async function run (argv: string[], env: Record<string, string | undefined> = {}, opts: { cwd?: string, commands?: readonly Command[] } = {}): Promise<Run> {
  const out = sink()
  const err = sink()
  const ctx = { argv, env, stdout: out.stream, stderr: err.stream, cwd: opts.cwd ?? process.cwd(), signal: new AbortController().signal }
  const code = opts.commands === undefined ? await main(ctx) : await main(ctx, opts.commands)
  return { code, stdout: out.text(), stderr: err.text() }
}
