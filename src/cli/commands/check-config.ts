// `check-config` (SPEC §3, §8): validates the configuration exactly as serve would (the files it
// names included) and prints it with every secret redacted. Connects to nothing.
import { describeOptionFlags, loadConfig, renderEffectiveConfig } from '../../config/index.js'
import { hasHelpFlag } from '../args.js'
import { EXIT_OK, EXIT_USAGE, type Command, type CommandContext } from '../command.js'

const NAME = 'check-config'

function help (): string {
  return `Usage: aihubmix-auth-proxy ${NAME} [--config file] [options]

Validates the configuration from flags, AUTH_PROXY_* environment variables and the
--config file, then prints the effective configuration as YAML, every secret
redacted, each value followed by where it came from. Exit status 2 and one line
per problem when it is invalid. The files the options name (tlsCertFile and
tlsKeyFile, upstreamCaFile, redisCaFile) are read and checked as serve would use
them; nothing is connected to.

${describeOptionFlags()}
  --help, -h
      show this help
`
}

async function run (ctx: CommandContext): Promise<number> {
  if (hasHelpFlag(ctx.argv)) {
    ctx.stdout.write(help())
    return EXIT_OK
  }
  const result = loadConfig({ argv: ctx.argv, env: ctx.env, cwd: ctx.cwd })
  if (!result.ok) {
    for (const p of result.problems) ctx.stderr.write(p + '\n')
    return EXIT_USAGE
  }
  ctx.stdout.write(renderEffectiveConfig(result.config, result.origins, result.spellings))
  return EXIT_OK
}

export const checkConfigCommand: Command = {
  name: NAME,
  summary: 'validate the configuration and print it, secrets redacted',
  help,
  run
}
