// `aihubmix-auth-proxy [command] [flags]` (SPEC §8): picks the command, answers --help and
// --version, and turns failures into exit statuses. Commands never call process.exit.
import { readFileSync } from 'node:fs'
import { didYouMean } from './args.js'
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type Command, type CommandContext } from './command.js'
import { checkConfigCommand } from './commands/check-config.js'
import { generateSecretCommand } from './commands/generate-secret.js'
import { demoCommand } from './commands/demo.js'
import { registerAppCommand } from './commands/register-app.js'
import { revokeUserCommand } from './commands/revoke-user.js'
import { serveCommand } from './commands/serve.js'
import { simulateProviderCommand } from './commands/simulate-provider.js'

const BIN = 'aihubmix-auth-proxy'
// Run when the first argument is a flag or absent (SPEC §8).
export const DEFAULT_COMMAND = 'serve'

// Registration point: each command module exports one `Command`; add it here.
export const builtinCommands: readonly Command[] = [
  serveCommand,
  checkConfigCommand,
  generateSecretCommand,
  registerAppCommand,
  revokeUserCommand,
  simulateProviderCommand,
  demoCommand
]

function mainHelp (commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 3
  const list = commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}${c.name === DEFAULT_COMMAND ? ' (default)' : ''}`)
  return `Usage: ${BIN} [command] [flags]

Commands:
${list.join('\n')}

Run \`${BIN} <command> --help\` for its flags. --version prints the version.
`
}

// Read on demand: ../../package.json is the package root from src/cli and from dist/cli alike.
function version (): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
  return pkg.version
}

function usageError (ctx: CommandContext, message: string): number {
  ctx.stderr.write(`${BIN}: ${message}\nRun \`${BIN} --help\` for the commands.\n`)
  return EXIT_USAGE
}

export async function main (ctx: CommandContext, commands: readonly Command[] = builtinCommands): Promise<number> {
  const [first, ...rest] = ctx.argv
  if (first === '--help' || first === '-h') {
    ctx.stdout.write(mainHelp(commands))
    return EXIT_OK
  }
  if (first === '--version') {
    ctx.stdout.write(version() + '\n')
    return EXIT_OK
  }
  const explicit = first !== undefined && !first.startsWith('-')
  const name = explicit ? first : DEFAULT_COMMAND
  const command = commands.find((c) => c.name === name)
  if (command === undefined) {
    return explicit
      ? usageError(ctx, `unknown command ${JSON.stringify(name)}${didYouMean(name, commands.map((c) => c.name))}`)
      : usageError(ctx, `the default command ${DEFAULT_COMMAND} is not available in this build`)
  }
  try {
    return await command.run({ ...ctx, argv: explicit ? rest : ctx.argv })
  } catch (err) {
    // Expected failures are exit statuses; reaching here is a bug, so keep the stack.
    ctx.stderr.write(`${BIN} ${name}: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
    return EXIT_FAILURE
  }
}
