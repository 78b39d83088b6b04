import type { Writable } from 'node:stream'

// What a command sees of the process. Only cli/ touches process.*; commands get this instead
// so tests can run them in-process with captured output.
export interface CommandContext {
  argv: readonly string[]
  env: Readonly<Record<string, string | undefined>>
  stdout: Writable
  stderr: Writable
  cwd: string
  // Resolves when the process is asked to stop (SIGTERM/SIGINT); long-running commands close on it.
  signal: AbortSignal
}

export interface Command {
  name: string
  summary: string
  // Full --help text.
  help: () => string
  // Resolves to the process exit status.
  run: (ctx: CommandContext) => Promise<number>
}

export const EXIT_OK = 0
export const EXIT_FAILURE = 1
export const EXIT_USAGE = 2
