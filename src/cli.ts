#!/usr/bin/env node
// The package bin (dist/cli.js). The only place that touches the process: argv, env, streams,
// signals and the exit status; everything else goes through main().
import { main } from './cli/main.js'

const controller = new AbortController()
function onSignal (signal: NodeJS.Signals): void {
  // a second signal means the graceful stop is taking too long for the operator
  if (controller.signal.aborted) process.exit(signal === 'SIGINT' ? 130 : 143)
  controller.abort()
}
process.on('SIGTERM', onSignal)
process.on('SIGINT', onSignal)

process.exitCode = await main({
  argv: process.argv.slice(2),
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  signal: controller.signal
})
