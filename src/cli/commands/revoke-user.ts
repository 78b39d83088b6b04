// `revoke-user --user-id ID` (SPEC §8): ends every session of one AIHubMix user on every
// replica, through the per-user index in the shared store (store.ts deleteUserSessions). It
// reads the same configuration as serve, so it runs in the proxy pod with the pod's own env.
import { setTimeout as delay } from 'node:timers/promises'
import { CONFIG_FLAG, loadConfig, optionFlagSpecs } from '../../config/index.js'
import { StoreConfigInvalid } from '../../errors.js'
import { createStoreFromConfig } from '../../session/create-store.js'
import type { SessionStore } from '../../session/store.js'
import { hasHelpFlag, parseFlags, type FlagSpec } from '../args.js'
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type Command, type CommandContext } from '../command.js'

const NAME = 'revoke-user'
const USER_ID_FLAG = 'user-id'
// What the proxy stores as a session's user (String(userinfo.id)): AIHubMix ids are numbers,
// and anything with spaces or quotes is a copy-paste slip that would silently match nobody.
const PLAIN_ID = /^[A-Za-z0-9._-]{1,128}$/
// The Redis client connects in the background and, with no offline queue, refuses commands
// until it is up. One connect timeout (2 s, create-store.ts) plus a command fits in this; a
// Redis that is down fails the command here instead of it reconnecting forever.
const STORE_WAIT_MS = 3_000
const STORE_POLL_MS = 50

const OWN_FLAGS: readonly FlagSpec[] = [
  { name: USER_ID_FLAG, type: 'string' },
  { name: 'help', type: 'boolean', short: 'h' }
]

function help (): string {
  return `Usage: aihubmix-auth-proxy ${NAME} --user-id ID [--config file] [options]

Ends every session of one AIHubMix user on every replica and prints how many
were ended. Reads the same configuration as serve (flags, AUTH_PROXY_* variables,
the --config file; see \`aihubmix-auth-proxy serve --help\`), so run it where the
proxy runs, e.g. \`kubectl exec deploy/aihubmix-auth-proxy -- aihubmix-auth-proxy
${NAME} --user-id 1001\`. Needs the Redis store: memory-store sessions live inside
each proxy process.

  --user-id ID   the AIHubMix user id (the X-User-Id the upstream sees)
  --help, -h     show this help

Exit status: 0 done (also when the user had no session), 1 the store did not
answer, 2 bad flags or configuration.
`
}

// loadConfig knows the option flags only; --user-id is this command's own.
function withoutUserId (argv: readonly string[]): string[] {
  const rest: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (arg === '--') {
      rest.push(...argv.slice(i))
      break
    }
    // parseFlags accepted the arguments, so a bare --user-id is followed by its value
    if (arg === `--${USER_ID_FLAG}`) i++
    else if (!arg.startsWith(`--${USER_ID_FLAG}=`)) rest.push(arg)
  }
  return rest
}

function usage (ctx: CommandContext, problems: readonly string[]): number {
  for (const p of problems) ctx.stderr.write(`${NAME}: ${p}\n`)
  return EXIT_USAGE
}

// A driver error code (ECONNREFUSED, ETIMEDOUT) names the failure without the address or the
// URL, which may hold a password.
function errorCode (err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && /^[A-Z][A-Z0-9_]*$/.test(code) ? code : undefined
}

async function waitForStore (store: SessionStore, signal: AbortSignal): Promise<boolean> {
  const deadline = Date.now() + STORE_WAIT_MS
  for (;;) {
    try {
      await store.ping()
      return true
    } catch {
      if (Date.now() >= deadline || signal.aborted) return false
      await delay(STORE_POLL_MS)
    }
  }
}

async function revoke (ctx: CommandContext, store: SessionStore, userId: string, lastError: () => string | undefined): Promise<number> {
  const unreachable = (): number => {
    const code = lastError()
    ctx.stderr.write(`${NAME}: the session store did not answer${code === undefined ? '' : ` (${code})`}; check that Redis is reachable from here and run the command again\n`)
    return EXIT_FAILURE
  }
  if (!await waitForStore(store, ctx.signal)) return unreachable()
  let ended: number
  try {
    ended = await store.deleteUserSessions(userId)
  } catch {
    return unreachable()
  }
  ctx.stdout.write(`revoked ${ended} session${ended === 1 ? '' : 's'} of user ${userId}\n`)
  return EXIT_OK
}

async function run (ctx: CommandContext): Promise<number> {
  if (hasHelpFlag(ctx.argv)) {
    ctx.stdout.write(help())
    return EXIT_OK
  }
  const parsed = parseFlags(ctx.argv, [...optionFlagSpecs(), { name: CONFIG_FLAG, type: 'string' }, ...OWN_FLAGS])
  if (!parsed.ok) return usage(ctx, parsed.problems)
  const userId = parsed.flags[USER_ID_FLAG]
  if (typeof userId !== 'string') return usage(ctx, [`--${USER_ID_FLAG} is required: the AIHubMix user id whose sessions to end`])
  if (!PLAIN_ID.test(userId)) {
    return usage(ctx, [`--${USER_ID_FLAG} ${JSON.stringify(userId)} is not a user id; expected letters, digits, . _ or -, such as 1001`])
  }

  const loaded = loadConfig({ argv: withoutUserId(ctx.argv), env: ctx.env, cwd: ctx.cwd })
  if (!loaded.ok) return usage(ctx, loaded.problems)
  if (loaded.config.sessionStore === 'memory') {
    return usage(ctx, ['sessionStore is memory: those sessions live inside each proxy process and only end when it restarts; revoke-user needs the shared Redis store (redisUrl, redisSentinels or redisClusterNodes)'])
  }

  let lastCode: string | undefined
  let store: SessionStore
  try {
    store = createStoreFromConfig(loaded.config, { now: Date.now, onError: (err) => { lastCode = errorCode(err) ?? lastCode } })
  } catch (err) {
    if (err instanceof StoreConfigInvalid) return usage(ctx, [err.message])
    throw err
  }
  try {
    return await revoke(ctx, store, userId, () => lastCode)
  } finally {
    await store.close()
  }
}

export const revokeUserCommand: Command = {
  name: NAME,
  summary: 'end every session of one AIHubMix user on every replica',
  help,
  run
}
