// `aihubmix-auth-proxy [serve]` (SPEC §8): the proxy itself.
import { describeOptionFlags, loadConfig } from '../../config/index.js'
import { ListenFailed } from '../../errors.js'
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type Command } from '../command.js'
import { startProxy, waitForAbort, type RunningProxy } from '../serve-app.js'

export const serveCommand: Command = {
  name: 'serve',
  summary: 'run the proxy',
  help: () => `Usage: aihubmix-auth-proxy [serve] [--config file.yaml] [flags]

Runs the proxy. Every option is a flag, an AUTH_PROXY_* variable or a key in the --config file.

${describeOptionFlags()}`,
  async run (ctx) {
    if (ctx.argv.includes('--help') || ctx.argv.includes('-h')) {
      ctx.stdout.write(serveCommand.help())
      return EXIT_OK
    }
    const loaded = loadConfig({ argv: ctx.argv, env: ctx.env, cwd: ctx.cwd })
    if (!loaded.ok) {
      for (const problem of loaded.problems) ctx.stderr.write(problem + '\n')
      return EXIT_USAGE
    }
    let proxy: RunningProxy
    try {
      proxy = await startProxy(loaded.config, ctx)
    } catch (err) {
      // A port in use is the operator's to fix, not a bug: one line, exit 1 (a runtime failure,
      // not a configuration problem: the same settings may work once the port is free).
      if (!(err instanceof ListenFailed)) throw err
      ctx.stderr.write(`aihubmix-auth-proxy: ${err.message}\n`)
      return EXIT_FAILURE
    }
    proxy.app.log.info({ url: proxy.url }, 'aihubmix-auth-proxy listening')
    await waitForAbort(ctx.signal)
    // src/cli.ts aborts with the signal's name
    await proxy.close(typeof ctx.signal.reason === 'string' ? ctx.signal.reason : undefined)
    return EXIT_OK
  }
}
