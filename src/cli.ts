#!/usr/bin/env node
// The package bin (dist/cli.js). The only place that touches the process: argv, env, streams,
// signals and the exit status; everything else goes through main().
import { constants } from 'node:os'
import closeWithGrace from 'close-with-grace'
import { main } from './cli/main.js'
import { SHUTDOWN_HARD_LIMIT_MS } from './server/shutdown.js'

const BIN = 'aihubmix-auth-proxy'

function report (message: unknown): void {
  process.stderr.write(`${BIN}: ${message instanceof Error ? message.stack ?? message.message : String(message)}\n`)
}

const controller = new AbortController()
const finished = main({
  argv: process.argv.slice(2),
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  signal: controller.signal
})

// close-with-grace owns the process side of a stop; commands only ever see ctx.signal. The
// first SIGTERM/SIGINT (or an uncaught error) aborts that signal and waits for main() to finish
// the command's own graceful stop (serve: stop accepting, drain, close Redis), whose exit
// status then stands. A second signal exits at once; a stop that outlives the hard limit
// (drain bound plus time to close Redis) exits 1.
const graceful = closeWithGrace({
  delay: SHUTDOWN_HARD_LIMIT_MS,
  logger: { error: report },
  // Only the stop signals: beforeExit would replace the exit status of a command that simply
  // finished, and SIGSEGV and friends are no request to stop politely.
  skip: ['SIGHUP', 'SIGQUIT', 'SIGILL', 'SIGTRAP', 'SIGABRT', 'SIGBUS', 'SIGFPE', 'SIGSEGV', 'SIGUSR2', 'beforeExit'],
  onSecondSignal (signal) {
    report(`second ${signal} during shutdown: exiting now`)
    // the shell convention (128 + signal number: 143 for SIGTERM, 130 for SIGINT)
    process.exit(128 + constants.signals[signal])
  },
  onTimeout (delay) {
    report(`shutdown did not finish within ${delay} ms: exiting`)
  }
}, async ({ signal, err }) => {
  if (err !== undefined) report(err)
  controller.abort(signal ?? 'uncaught error')
  const code = await finished
  // close-with-grace exits 0 when this resolves (1 after an uncaught error)
  if (code !== 0) process.exit(code)
})

process.exitCode = await finished
graceful.uninstall()
