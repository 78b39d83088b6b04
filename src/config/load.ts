// Resolves raw layers into the frozen Config: precedence flag > env > file > default, per-option
// parse, derived defaults, cross-option rules, every problem collected (SPEC §3).
import { checkConfig } from './checks.js'
import { checkFiles } from './files.js'
import { didYouMean } from '../cli/args.js'
import {
  envName, flagName, getOption, isOptionName, optionNames, type Config, type DeriveBasis, type OptionName
} from './schema.js'
import { readSources, type Layer, type Origin, type SourceInput } from './sources.js'

export type Origins = Record<OptionName, Origin>

export type LoadResult =
  | { ok: true, config: Config, origins: Origins, spellings: Record<OptionName, string> }
  | { ok: false, problems: string[] }

// Reads flags, env (+ *_FILE) and the --config file, then resolves them.
export function loadConfig (input: SourceInput): LoadResult {
  const { layers, problems, unreadable } = readSources(input)
  const result = resolveLayers(layers, unreadable, input.cwd)
  const all = [...problems, ...(result.ok ? [] : result.problems)]
  return all.length > 0 ? { ok: false, problems: all } : result
}

// Builds a Config from plain raw values (as a YAML file would hold them), with defaults and the
// same validation (file paths relative to the process's working directory). For the demo
// command and tests.
export function resolveConfig (raw: Readonly<Record<string, unknown>>): LoadResult {
  const layer: Layer = { origin: 'file', values: new Map() }
  const problems: string[] = []
  for (const [key, value] of Object.entries(raw)) {
    if (!isOptionName(key)) problems.push(`${key}: unknown option${didYouMean(key, optionNames)}`)
    else if (value !== undefined && value !== null) layer.values.set(key, { raw: value, spelling: key })
  }
  const result = resolveLayers([layer], new Set(), process.cwd())
  if (problems.length === 0) return result
  return { ok: false, problems: [...problems, ...(result.ok ? [] : result.problems)] }
}

function resolveLayers (layers: readonly Layer[], unreadable: ReadonlySet<OptionName>, cwd: string): LoadResult {
  const problems: string[] = []
  const values: Partial<Record<OptionName, unknown>> = {}
  const origins: Partial<Origins> = {}
  const spellings: Partial<Record<OptionName, string>> = {}
  for (const name of optionNames) {
    const option = getOption(name)
    const hit = layers.find((l) => l.values.has(name))
    const given = hit?.values.get(name)
    origins[name] = hit?.origin ?? 'default'
    spellings[name] = given?.spelling ?? name
    if (hit === undefined || given === undefined) {
      if (option.default !== undefined) values[name] = parseDefault(name, option.default)
      else if (option.presence === 'required' && !unreadable.has(name)) problems.push(missing(name))
      continue
    }
    const r = option.kind.parse(given.raw)
    if (r.ok) values[name] = r.value
    else problems.push(`${given.spelling}: ${option.secret ? redact(r.problem, given.raw) : r.problem}`)
  }
  deriveDefaults(values, layers)
  const spell = (n: OptionName): string => spellings[n] ?? n
  problems.push(...checkConfig(values as Partial<Config>, spell), ...checkFiles(values as Partial<Config>, spell, cwd))
  if (problems.length > 0) return { ok: false, problems }
  const config = values as Config
  config.cookieName = finalCookieName(config)
  return { ok: true, config: deepFreeze(config), origins: origins as Origins, spellings: spellings as Record<OptionName, string> }
}

function parseDefault (name: OptionName, raw: string | boolean): unknown {
  const r = getOption(name).kind.parse(raw)
  // a default that does not parse is a bug in schema.ts (test/config/schema.test.ts guards it)
  if (!r.ok) throw new Error(`default of ${name} does not parse: ${r.problem}`)
  return r.value
}

function missing (name: OptionName): string {
  return `${name}: required; expected --${flagName(name)}, ${envName(name)} or ${name} in the config file`
}

// Safety net for secrets: a kind's message never quotes a secret, but a raw-type mismatch might.
function redact (problem: string, raw: unknown): string {
  const s = typeof raw === 'string' || typeof raw === 'number' ? String(raw) : ''
  return s.length >= 4 ? problem.split(JSON.stringify(s)).join('[redacted]').split(s).join('[redacted]') : problem
}

// Only for options nobody set: one that was set but failed to parse stays absent.
function deriveDefaults (values: Partial<Record<OptionName, unknown>>, layers: readonly Layer[]): void {
  if (!(values.providerUrl instanceof URL)) return
  const basis: DeriveBasis = {
    providerUrl: values.providerUrl,
    redisUrl: values.redisUrl as string | undefined,
    redisSentinels: values.redisSentinels,
    redisClusterNodes: values.redisClusterNodes
  }
  for (const name of optionNames) {
    const { derive } = getOption(name)
    if (derive !== undefined && !layers.some((l) => l.values.has(name))) values[name] = derive(basis)
  }
}

// SPEC §3: `__Host-` when secure and host-only, so no subdomain can plant or shadow the cookie.
function finalCookieName (c: Config): string {
  if (!c.cookieSecure || c.cookieDomain !== undefined || /^__(Host|Secure)-/.test(c.cookieName)) return c.cookieName
  return '__Host-' + c.cookieName
}

// Buffers (their bytes cannot be frozen) and RegExps stay as they are; URLs keep internal state
// that freezing cannot reach, so consumers must not mutate them either.
function deepFreeze<T> (value: T): T {
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value) || value instanceof RegExp) return value
  for (const v of Object.values(value)) deepFreeze(v)
  return Object.freeze(value)
}
