// `simulate-provider [--listen host:port]` (SPEC §8, §9): runs the AIHubMix simulator until asked
// to stop.
import type { AddressInfo } from 'node:net'
import { once } from 'node:events'
import { buildSimulator } from '../../simulator/app.js'
import { parseFlags } from '../args.js'
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type Command, type CommandContext } from '../command.js'

const NAME = 'simulate-provider'
const DEFAULT_LISTEN = '127.0.0.1:4181'

export interface ListenAddress { host: string, port: number }

// `host:port`, `[v6]:port`; port 0 picks a free one.
export function parseListen (value: string): ListenAddress | undefined {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(value)
  if (m === null) return undefined
  const port = Number(m[3])
  if (port > 65535) return undefined
  return { host: m[1] ?? m[2] ?? '', port }
}

function urlOf (address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return `http://${host}:${address.port}`
}

function help (): string {
  return `Usage: aihubmix-auth-proxy ${NAME} [--listen host:port]

Runs the AIHubMix simulator (SPEC §9): the OAuth2 API, a login page, seed users
(alice / alice-password), the client demo-client / demo-secret and the developer
token dev-token. See docs/simulator.md.

  --listen host:port   where to listen (default ${DEFAULT_LISTEN})
  --help               show this help

The control API under /__control/ changes balances, revokes grants and injects
faults for anyone who can reach the port: never expose the simulator.
`
}

async function run (ctx: CommandContext): Promise<number> {
  const parsed = parseFlags(ctx.argv, [{ name: 'listen', type: 'string' }, { name: 'help', type: 'boolean' }])
  if (!parsed.ok) {
    for (const p of parsed.problems) ctx.stderr.write(`${NAME}: ${p}\n`)
    return EXIT_USAGE
  }
  if (parsed.flags.help === true) {
    ctx.stdout.write(help())
    return EXIT_OK
  }
  const raw = typeof parsed.flags.listen === 'string' ? parsed.flags.listen : DEFAULT_LISTEN
  const listen = parseListen(raw)
  if (listen === undefined) {
    ctx.stderr.write(`${NAME}: --listen must be host:port, such as ${DEFAULT_LISTEN} (got ${JSON.stringify(raw)})\n`)
    return EXIT_USAGE
  }

  const sim = await buildSimulator({ logger: { level: 'info', stream: ctx.stderr } })
  try {
    await sim.listen(listen)
  } catch (err) {
    await sim.close()
    ctx.stderr.write(`${NAME}: cannot listen on ${raw}: ${(err as Error).message}\n`)
    return EXIT_FAILURE
  }
  sim.log.info({ url: urlOf(sim.server.address() as AddressInfo) }, 'AIHubMix simulator listening; its /__control API must never be exposed')
  if (!ctx.signal.aborted) await once(ctx.signal, 'abort')
  await sim.close()
  return EXIT_OK
}

export const simulateProviderCommand: Command = {
  name: NAME,
  summary: 'run the AIHubMix simulator for demos and tests',
  help,
  run
}
