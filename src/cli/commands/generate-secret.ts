// `generate-secret` (SPEC §8): a fresh cookieSecret, 32 random bytes as base64url, one line.
import { randomBytes } from 'node:crypto'
import { parseFlags } from '../args.js'
import { EXIT_OK, EXIT_USAGE, type Command, type CommandContext } from '../command.js'

const NAME = 'generate-secret'

function help (): string {
  return `Usage: aihubmix-auth-proxy ${NAME}

Prints a fresh 32-byte random secret, base64url encoded, on one line: a value for
cookieSecret (AUTH_PROXY_COOKIE_SECRET).

  --help, -h   show this help
`
}

async function run (ctx: CommandContext): Promise<number> {
  const parsed = parseFlags(ctx.argv, [{ name: 'help', type: 'boolean', short: 'h' }])
  if (!parsed.ok) {
    for (const p of parsed.problems) ctx.stderr.write(`${NAME}: ${p}\n`)
    return EXIT_USAGE
  }
  if (parsed.flags.help === true) {
    ctx.stdout.write(help())
    return EXIT_OK
  }
  ctx.stdout.write(randomBytes(32).toString('base64url') + '\n')
  return EXIT_OK
}

export const generateSecretCommand: Command = {
  name: NAME,
  summary: 'print a fresh random cookieSecret',
  help,
  run
}
