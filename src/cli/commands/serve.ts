// `aihubmix-auth-proxy [serve]` (SPEC §8): the proxy itself.
import { describeOptionFlags, loadConfig } from '../../config/index.js'
import { EXIT_OK, EXIT_USAGE, type Command } from '../command.js'
import { startProxy, waitForAbort } from '../serve-app.js'

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
    const proxy = await startProxy(loaded.config, ctx)
    proxy.app.log.info({ url: proxy.url }, 'aihubmix-auth-proxy listening')
    await waitForAbort(ctx.signal)
    // src/cli.ts aborts with the signal's name
    await proxy.close(typeof ctx.signal.reason === 'string' ? ctx.signal.reason : undefined)
    return EXIT_OK
  }
}
