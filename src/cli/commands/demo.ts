// `aihubmix-auth-proxy demo` (SPEC §8): the AIHubMix simulator, a demo upstream that shows the
// headers it receives, and the proxy on the memory store, all in one process.
import { buildDemoUpstream } from '../../demo/upstream.js'
import { resolveConfig } from '../../config/index.js'
import { buildSimulator } from '../../simulator/app.js'
import { parseFlags } from '../args.js'
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type Command } from '../command.js'
import { ListenFailed } from '../../errors.js'
import { listenOn, startProxy, waitForAbort } from '../serve-app.js'

// DEMO ONLY: published in this repository, for the embedded demo; never use it anywhere else.
const DEMO_COOKIE_SECRET = 'demo-only-cookie-secret-not-for-production-use'

function help (): string {
  return `Usage: aihubmix-auth-proxy demo [--port 4180] [--provider-port 4181] [--upstream-port 4182]

Runs the AIHubMix simulator, a demo upstream and the proxy (memory store) together.
Open http://localhost:4180 and sign in as alice / alice-password.
`
}

function port (raw: unknown, fallback: number): number | undefined {
  if (raw === undefined) return fallback
  const n = Number(raw)
  return Number.isInteger(n) && n > 0 && n < 65536 ? n : undefined
}

export const demoCommand: Command = {
  name: 'demo',
  summary: 'run the simulator, a demo app and the proxy on http://localhost:4180',
  help,
  async run (ctx) {
    const parsed = parseFlags(ctx.argv, [
      { name: 'help', type: 'boolean' }, { name: 'port', type: 'string' },
      { name: 'provider-port', type: 'string' }, { name: 'upstream-port', type: 'string' }
    ])
    if (!parsed.ok) {
      for (const problem of parsed.problems) ctx.stderr.write(`demo: ${problem}\n`)
      return EXIT_USAGE
    }
    if (parsed.flags.help === true) {
      ctx.stdout.write(help())
      return EXIT_OK
    }
    const ports = [port(parsed.flags.port, 4180), port(parsed.flags['provider-port'], 4181), port(parsed.flags['upstream-port'], 4182)]
    if (ports.some((p) => p === undefined)) {
      ctx.stderr.write('demo: ports are whole numbers from 1 to 65535\n')
      return EXIT_USAGE
    }
    const [proxyPort, providerPort, upstreamPort] = ports as [number, number, number]
    const redirectUrl = `http://localhost:${proxyPort}/oauth2/callback`

    const simulator = await buildSimulator({
      clients: [{ client_id: 'demo-client', client_secret: 'demo-secret', redirect_uri: redirectUrl, name: 'Demo' }]
    })
    const upstream = await buildDemoUpstream()
    const resolved = resolveConfig({
      upstream: `http://127.0.0.1:${upstreamPort}`,
      listen: `localhost:${proxyPort}`,
      metricsListen: '',
      providerUrl: `http://127.0.0.1:${providerPort}`,
      // the browser follows this one, so it names the host the user sees
      authorizeUrl: `http://localhost:${providerPort}/api/oauth2/authorize`,
      clientId: 'demo-client',
      clientSecret: 'demo-secret',
      redirectUrl,
      cookieSecure: false,
      cookieSecret: DEMO_COOKIE_SECRET,
      sessionStore: 'memory',
      logFormat: 'pretty'
    })
    if (!resolved.ok) {
      for (const problem of resolved.problems) ctx.stderr.write(`demo: ${problem}\n`)
      return EXIT_FAILURE
    }
    try {
      const provider = { host: '127.0.0.1', port: providerPort }
      await listenOn('--provider-port', provider, () => simulator.listen(provider))
      const demoUpstream = { host: '127.0.0.1', port: upstreamPort }
      await listenOn('--upstream-port', demoUpstream, () => upstream.listen(demoUpstream))
      const proxy = await startProxy(resolved.config, ctx)
      proxy.app.log.info(`demo ready: open http://localhost:${proxyPort} and sign in as alice / alice-password`)
      await waitForAbort(ctx.signal)
      await proxy.close()
      return EXIT_OK
    } catch (err) {
      if (!(err instanceof ListenFailed)) throw err
      ctx.stderr.write(`demo: ${err.message}\n`)
      return EXIT_FAILURE
    } finally {
      await upstream.close()
      await simulator.close()
    }
  }
}
