// `register-app` (SPEC §2, §8): registers an OAuth2 app at AIHubMix (POST /api/oauth_apps) with
// a developer token and prints the credentials the proxy needs, as env lines, JSON or a
// Kubernetes Secret. Needs none of the proxy's own configuration. The client secret goes to
// stdout only; no line on stderr ever carries it or the developer token.
import { stringify } from 'yaml'
import { envName, fileEnvName, flagName, formatDuration, options, readSecretFile, type OptionName } from '../../config/index.js'
import type { Kind } from '../../config/kind.js'
import type { DeriveBasis } from '../../config/schema.js'
import { outcomeOf, type ProviderError } from '../../provider/failure.js'
import { createProviderClient } from '../../provider/client.js'
import { isTokenString, type RegisteredApp } from '../../provider/responses.js'
import { hasHelpFlag, parseFlags, type ParsedFlags } from '../args.js'
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type Command, type CommandContext } from '../command.js'

const NAME = 'register-app'
const OUTPUTS = ['env', 'json', 'secret'] as const
type Output = typeof OUTPUTS[number]
const DEFAULT_SECRET_NAME = 'aihubmix-auth-proxy'
// Kubernetes object names: a DNS-1123 subdomain (Secret) and a DNS-1123 label (namespace).
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/
const DNS_LABEL = /^(?=.{1,63}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/

// The provider options this command shares with serve, spelled as serve spells them.
const PROVIDER_OPTIONS = ['providerUrl', 'appsUrl', 'providerTimeout'] as const
type ProviderOption = typeof PROVIDER_OPTIONS[number]

const FLAGS = [
  { name: 'developer-token', type: 'string' },
  { name: 'name', type: 'string' },
  { name: 'redirect-uri', type: 'string' },
  { name: 'description', type: 'string' },
  { name: 'output', type: 'string' },
  { name: 'secret-name', type: 'string' },
  { name: 'namespace', type: 'string' },
  ...PROVIDER_OPTIONS.map((o) => ({ name: flagName(o), type: 'string' as const })),
  { name: 'help', type: 'boolean', short: 'h' }
] as const

const TOKEN_ENV = envName('developerToken')
const TOKEN_FILE_ENV = fileEnvName('developerToken')

function help (): string {
  return `Usage: aihubmix-auth-proxy ${NAME} --developer-token T --name N --redirect-uri U [flags]

Registers an OAuth2 app at AIHubMix (POST /api/oauth_apps) and prints its
credentials for the proxy. The client secret is shown only here: keep the output.

  --developer-token T     your AIHubMix developer token. Prefer ${TOKEN_FILE_ENV}
                          (a file) or ${TOKEN_ENV}: a flag shows in the process list
  --name N                the app name users see on AIHubMix
  --redirect-uri U        the proxy's callback, e.g. https://app.example.com/oauth2/callback
                          (becomes redirectUrl; AIHubMix matches it exactly)
  --description D         optional
  --output env|json|secret
                          env (default): AUTH_PROXY_CLIENT_ID=..., AUTH_PROXY_CLIENT_SECRET=...,
                          AUTH_PROXY_REDIRECT_URL=... lines; json: {client_id, client_secret,
                          redirect_uri, name, id}; secret: a Kubernetes Secret manifest
                          (stringData with those AUTH_PROXY_* names), for kubectl apply -f -
  --secret-name NAME      the Secret's name (default ${DEFAULT_SECRET_NAME}; --output secret only)
  --namespace NS          the Secret's namespace (--output secret only)
  --provider-url URL      AIHubMix base URL. Default: ${options.providerUrl.default}. Env: ${envName('providerUrl')}
  --apps-url URL          full URL of /api/oauth_apps. Default: <providerUrl>/api/oauth_apps. Env: ${envName('appsUrl')}
  --provider-timeout D    give up after this. Default: ${options.providerTimeout.default}. Env: ${envName('providerTimeout')}
  --help, -h              show this help

Exit status: 0 registered, 1 AIHubMix refused or did not answer, 2 bad flags.
`
}

interface Request {
  token: string
  name: string
  description: string
  redirectUri: string
  output: Output
  secretName: string
  namespace: string | undefined
  providerUrl: URL
  appsUrl: URL
  timeoutMs: number
}

function str (flags: ParsedFlags, name: string): string | undefined {
  const v = flags[name]
  return typeof v === 'string' ? v : undefined
}

// Flag > environment > default, parsed by the option's own kind from the schema (SPEC §3).
function readOption<T> (name: ProviderOption, kind: Kind<T>, flags: ParsedFlags, env: CommandContext['env'], problems: string[]): T | undefined {
  const flag = str(flags, flagName(name))
  const fromEnv = env[envName(name)]
  const [raw, spelling] = flag !== undefined ? [flag, `--${flagName(name)}`] : [fromEnv, envName(name)]
  if (raw === undefined) return undefined
  const r = kind.parse(raw)
  if (r.ok) return r.value
  problems.push(`${spelling}: ${r.problem}`)
  return undefined
}

// SPEC §3: the developer token is a secret, so it also reads from a file (a Secret mount).
// Problems name where it came from, never its value.
function readToken (flags: ParsedFlags, ctx: CommandContext, problems: string[]): string | undefined {
  let token = str(flags, 'developer-token')
  if (token === undefined) {
    const direct = ctx.env[TOKEN_ENV]
    const file = ctx.env[TOKEN_FILE_ENV]
    if (direct !== undefined && file !== undefined) {
      problems.push(`${TOKEN_ENV} and ${TOKEN_FILE_ENV} are both set; expected only one of them`)
      return undefined
    }
    if (file !== undefined) {
      token = readSecretFile(TOKEN_FILE_ENV, file, ctx.cwd, problems)
      if (token === undefined) return undefined
    } else {
      token = direct
    }
  }
  if (token === undefined || token === '') {
    problems.push(`a developer token is required: --developer-token, ${TOKEN_ENV} or ${TOKEN_FILE_ENV}`)
    return undefined
  }
  if (!isTokenString(token)) {
    problems.push('the developer token holds spaces or control characters; expected the token exactly as AIHubMix shows it')
    return undefined
  }
  return token
}

function readRequest (flags: ParsedFlags, ctx: CommandContext, problems: string[]): Request | undefined {
  const token = readToken(flags, ctx, problems)
  const name = str(flags, 'name')
  if (name === undefined || name.trim() === '') problems.push('--name is required: the app name users see on AIHubMix')
  const redirect = str(flags, 'redirect-uri')
  let redirectUri: string | undefined
  if (redirect === undefined) {
    problems.push('--redirect-uri is required: the proxy\'s callback URL, such as https://app.example.com/oauth2/callback')
  } else {
    // parsed as serve parses redirectUrl, so AIHubMix registers the very string the proxy sends
    const r = options.redirectUrl.kind.parse(redirect)
    if (r.ok) redirectUri = r.value.href
    else problems.push(`--redirect-uri: ${r.problem}`)
  }
  const output = str(flags, 'output') ?? 'env'
  if (!(OUTPUTS as readonly string[]).includes(output)) problems.push(`--output ${JSON.stringify(output)} is not accepted; expected env, json or secret`)
  const secretName = str(flags, 'secret-name')
  const namespace = str(flags, 'namespace')
  if (output !== 'secret' && (secretName !== undefined || namespace !== undefined)) {
    problems.push('--secret-name and --namespace apply to --output secret only')
  }
  if (secretName !== undefined && !DNS_SUBDOMAIN.test(secretName)) problems.push(`--secret-name ${JSON.stringify(secretName)} is not a Kubernetes name; expected lowercase letters, digits, - and .`)
  if (namespace !== undefined && !DNS_LABEL.test(namespace)) problems.push(`--namespace ${JSON.stringify(namespace)} is not a Kubernetes namespace; expected lowercase letters, digits and -, at most 63`)

  const providerUrl = readOption('providerUrl', options.providerUrl.kind, flags, ctx.env, problems) ?? defaultOf(options.providerUrl)
  const appsUrl = readOption('appsUrl', options.appsUrl.kind, flags, ctx.env, problems) ?? derivedUrl('appsUrl', providerUrl)
  const timeoutMs = readOption('providerTimeout', options.providerTimeout.kind, flags, ctx.env, problems) ?? defaultOf(options.providerTimeout)
  if (problems.length > 0 || token === undefined || name === undefined || redirectUri === undefined) return undefined
  return { token, name, description: str(flags, 'description') ?? '', redirectUri, output: output as Output, secretName: secretName ?? DEFAULT_SECRET_NAME, namespace, providerUrl, appsUrl, timeoutMs }
}

function defaultOf<T> (option: { kind: Kind<T>, default?: string | boolean }): T {
  const r = option.kind.parse(option.default)
  // a default that does not parse is a bug in schema.ts (test/config/schema.test.ts guards it)
  if (!r.ok) throw new Error(`a provider option default does not parse: ${r.problem}`)
  return r.value
}

type EndpointOption = 'authorizeUrl' | 'tokenUrl' | 'userinfoUrl' | 'topupUrl' | 'appsUrl'

function derivedUrl (name: EndpointOption, providerUrl: URL): URL {
  const basis: DeriveBasis = { providerUrl, redisUrl: undefined, redisSentinels: undefined, redisClusterNodes: undefined }
  const { derive } = options[name]
  // every endpoint option is derived from providerUrl (schema.ts providerPath)
  if (derive === undefined) throw new Error(`${name} has no derived default`)
  return derive(basis)
}

// One line for the operator: what failed and what to check. Provider errors never carry the
// token (failure.ts, client.ts drop echoes); the last replace is a guard for the future.
function describeFailure (err: ProviderError, req: Request): string {
  const status = err.status === undefined ? '' : `HTTP ${err.status}`
  // the provider's own words, kept to one line of printable text
  const said = (err.errorDescription ?? '').replace(/[\p{Cc}\p{Zl}\p{Zp}]+/gu, ' ').trim()
  const detail = [status, said].filter((s) => s !== '').join(': ')
  const where = req.appsUrl.href
  let line: string
  switch (outcomeOf(err)) {
    case 'timeout':
      line = `AIHubMix did not answer within ${formatDuration(req.timeoutMs)} at ${where}`
      break
    case 'bad_response':
      line = `AIHubMix answered with an invalid response (${err.reason ?? 'unexpected'}${status === '' ? '' : `, ${status}`}); check that ${where} is AIHubMix's API`
      break
    case 'unavailable': {
      const code = (err.cause as { code?: unknown } | undefined)?.code
      line = detail !== ''
        ? `AIHubMix failed (${detail}); try again later`
        : `cannot reach AIHubMix at ${where}${typeof code === 'string' ? ` (${code})` : ''}`
      break
    }
    default:
      line = err.status === 401 || err.status === 403
        ? `AIHubMix refused the developer token (${detail}); check it`
        : `AIHubMix refused the registration${detail === '' ? '' : ` (${detail})`}; check --name and --redirect-uri`
  }
  return line.split(req.token).join('[redacted]')
}

function render (app: RegisteredApp, req: Request): string {
  const values = {
    [envName('clientId' satisfies OptionName)]: app.clientId,
    [envName('clientSecret' satisfies OptionName)]: app.clientSecret,
    [envName('redirectUrl' satisfies OptionName)]: app.redirectUri
  }
  switch (req.output) {
    case 'env':
      return Object.entries(values).map(([k, v]) => `${k}=${v}\n`).join('')
    case 'json':
      return JSON.stringify({ client_id: app.clientId, client_secret: app.clientSecret, redirect_uri: app.redirectUri, name: app.name, id: app.id }, null, 2) + '\n'
    case 'secret':
      return stringify({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: req.secretName, ...(req.namespace === undefined ? {} : { namespace: req.namespace }) },
        type: 'Opaque',
        stringData: values
      })
  }
}

async function register (req: Request, ctx: CommandContext): Promise<number> {
  // The client is the proxy's own; register-app makes only the apps call, so the OAuth2 client
  // fields stay empty and the other endpoints keep their derived defaults.
  const client = createProviderClient({
    authorizeUrl: derivedUrl('authorizeUrl', req.providerUrl),
    tokenUrl: derivedUrl('tokenUrl', req.providerUrl),
    userinfoUrl: derivedUrl('userinfoUrl', req.providerUrl),
    topupUrl: derivedUrl('topupUrl', req.providerUrl),
    appsUrl: req.appsUrl,
    clientId: '',
    clientSecret: '',
    redirectUri: req.redirectUri,
    scope: '',
    autoAuthorize: false,
    timeoutMs: req.timeoutMs
  })
  let app: RegisteredApp
  try {
    app = await client.registerApp(req.token, { name: req.name, description: req.description, redirectUri: req.redirectUri })
  } catch (err) {
    if (outcomeOf(err) === 'error') throw err
    ctx.stderr.write(`${NAME}: ${describeFailure(err as ProviderError, req)}\n`)
    return EXIT_FAILURE
  } finally {
    await client.close()
  }
  // A line break in a value would smuggle extra lines into the env output (and the proxy would
  // refuse such credentials anyway).
  const unusable = (['clientId', 'clientSecret', 'redirectUri'] as const).find((k) => !isTokenString(app[k]))
  if (unusable !== undefined) {
    ctx.stderr.write(`${NAME}: AIHubMix created app ${JSON.stringify(app.id)} but answered a ${unusable} that is not a plain token; nothing printed: delete that app at AIHubMix\n`)
    return EXIT_FAILURE
  }
  ctx.stdout.write(render(app, req))
  return EXIT_OK
}

async function run (ctx: CommandContext): Promise<number> {
  if (hasHelpFlag(ctx.argv)) {
    ctx.stdout.write(help())
    return EXIT_OK
  }
  // Positionals are reported by position only: a token typed without its flag must not be echoed.
  const parsed = parseFlags(ctx.argv, FLAGS, true)
  const problems = parsed.ok ? [] : [...parsed.problems]
  if (parsed.positionals.length > 0) problems.push('unexpected argument; every value follows its flag, such as --name "My app"')
  const req = readRequest(parsed.flags, ctx, problems)
  if (req === undefined) {
    for (const p of problems) ctx.stderr.write(`${NAME}: ${p}\n`)
    return EXIT_USAGE
  }
  return await register(req, ctx)
}

export const registerAppCommand: Command = {
  name: NAME,
  summary: 'register an app at AIHubMix and print its credentials',
  help,
  run
}
