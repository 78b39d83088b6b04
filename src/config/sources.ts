// Reads raw option values from flags, the environment (+ *_FILE) and the YAML file named by
// --config / AUTH_PROXY_CONFIG. No validation of values here: only names and files.
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseDocument } from 'yaml'
import { didYouMean, parseFlags, type FlagSpec } from '../cli/args.js'
import {
  COMMAND_ENV, CONFIG_FLAG, ENV_PREFIX, envName, fileEnvName, flagName, getOption, isOptionName, optionFromFlag,
  optionNames, type OptionName
} from './schema.js'

export type Origin = 'flag' | 'env' | 'file' | 'default'

export interface RawValue {
  raw: unknown
  // the option as the user spelled it, for problem lines: `--upstream`, `AUTH_PROXY_UPSTREAM`,
  // `upstream in config.yaml`
  spelling: string
}

export interface Layer {
  origin: Exclude<Origin, 'default'>
  values: Map<OptionName, RawValue>
}

export interface Sources {
  // ordered by precedence: flags, env, file
  layers: Layer[]
  problems: string[]
  // options the user set in a way that could not be read (a bad flag, an unreadable _FILE):
  // already reported, so not reported again as missing
  unreadable: Set<OptionName>
}

export interface SourceInput {
  argv: readonly string[]
  env: Readonly<Record<string, string | undefined>>
  cwd: string
}

export function optionFlagSpecs (): FlagSpec[] {
  return optionNames.map((name): FlagSpec => {
    const { kind } = getOption(name)
    return { name: flagName(name), type: kind.flag, multiple: kind.multiple }
  })
}

export function readSources ({ argv, env, cwd }: SourceInput): Sources {
  const sources: Sources = { layers: [], problems: [], unreadable: new Set() }
  const flags = readFlags(argv, sources)
  sources.layers.push(flags.layer, readEnv(env, cwd, sources))
  const configPath = flags.configPath ?? nonEmpty(env[envName(CONFIG_FLAG)])
  if (configPath !== undefined) {
    const file = readYamlFile(configPath, cwd, sources.problems)
    if (file !== undefined) sources.layers.push(file)
  }
  return sources
}

function nonEmpty (s: string | undefined): string | undefined {
  return s === undefined || s === '' ? undefined : s
}

function readFlags (argv: readonly string[], sources: Sources): { layer: Layer, configPath: string | undefined } {
  const layer: Layer = { origin: 'flag', values: new Map() }
  const parsed = parseFlags(argv, [...optionFlagSpecs(), { name: CONFIG_FLAG, type: 'string' }])
  if (!parsed.ok) {
    sources.problems.push(...parsed.problems)
    for (const flag of parsed.invalid) {
      const name = optionFromFlag(flag)
      if (name !== undefined) sources.unreadable.add(name)
    }
  }
  for (const [flag, value] of Object.entries(parsed.flags)) {
    const name = optionFromFlag(flag)
    if (name === undefined || value === undefined) continue
    // a repeated list flag reads like one comma-separated value
    layer.values.set(name, { raw: Array.isArray(value) ? value.join(',') : value, spelling: `--${flag}` })
  }
  const configPath = parsed.flags[CONFIG_FLAG]
  return { layer, configPath: typeof configPath === 'string' ? configPath : undefined }
}

function readEnv (env: SourceInput['env'], cwd: string, sources: Sources): Layer {
  const { problems } = sources
  const layer: Layer = { origin: 'env', values: new Map() }
  const byEnv = new Map<string, OptionName>(optionNames.map((n) => [envName(n), n]))
  const byFileEnv = new Map<string, OptionName>(optionNames.filter((n) => getOption(n).secret).map((n) => [fileEnvName(n), n]))
  const known = [...byEnv.keys(), ...byFileEnv.keys(), ...COMMAND_ENV]
  for (const [key, value] of Object.entries(env)) {
    if (!key.startsWith(ENV_PREFIX) || value === undefined || COMMAND_ENV.includes(key)) continue
    const name = byEnv.get(key)
    if (name !== undefined) {
      if (env[fileEnvName(name)] !== undefined && byFileEnv.has(fileEnvName(name))) {
        problems.push(`${key} and ${fileEnvName(name)} are both set; expected only one of them`)
        sources.unreadable.add(name)
      } else {
        layer.values.set(name, { raw: value, spelling: key })
      }
      continue
    }
    const secretName = byFileEnv.get(key)
    if (secretName !== undefined) {
      if (env[envName(secretName)] !== undefined) continue // reported once, above
      const content = readSecretFile(key, value, cwd, problems)
      if (content === undefined) sources.unreadable.add(secretName)
      else layer.values.set(secretName, { raw: content, spelling: key })
      continue
    }
    const base = key.endsWith('_FILE') ? byEnv.get(key.slice(0, -'_FILE'.length)) : undefined
    problems.push(base === undefined
      ? `${key}: unknown environment variable${didYouMean(key, known)}`
      : `${key}: ${base} is not a secret and has no _FILE form; expected ${envName(base)}`)
  }
  return layer
}

// Kubernetes secret mounts end in a newline the secret does not contain: trim exactly one.
export function readSecretFile (variable: string, path: string, cwd: string, problems: string[]): string | undefined {
  try {
    return readFileSync(resolve(cwd, path), 'utf8').replace(/\r?\n$/, '')
  } catch (err) {
    problems.push(`${variable}: cannot read ${JSON.stringify(path)} (${(err as NodeJS.ErrnoException).code ?? 'error'}); expected a readable file holding the secret`)
    return undefined
  }
}

function readYamlFile (path: string, cwd: string, problems: string[]): Layer | undefined {
  let text
  try {
    text = readFileSync(resolve(cwd, path), 'utf8')
  } catch (err) {
    problems.push(`--config ${JSON.stringify(path)}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? 'error'})`)
    return undefined
  }
  return parseYamlLayer(text, path, problems)
}

export function parseYamlLayer (text: string, path: string, problems: string[]): Layer | undefined {
  const doc = parseDocument(text, { prettyErrors: false })
  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      const line = e.linePos?.[0].line
      problems.push(`${path}${line === undefined ? '' : ':' + line}: invalid YAML (${e.message.split('\n')[0] ?? ''})`)
    }
    return undefined
  }
  const data: unknown = doc.toJS()
  if (data === null || data === undefined) return { origin: 'file', values: new Map() }
  if (typeof data !== 'object' || Array.isArray(data)) {
    problems.push(`${path}: expected a mapping of option names to values at the top level`)
    return undefined
  }
  const layer: Layer = { origin: 'file', values: new Map() }
  for (const [key, raw] of Object.entries(data)) {
    if (!isOptionName(key)) {
      problems.push(`${key} in ${path}: unknown option${didYouMean(key, optionNames)}`)
    } else if (raw !== null) {
      // null (`key:` with no value) leaves the option unset, as if the line were absent
      layer.values.set(key, { raw, spelling: `${key} in ${path}` })
    }
  }
  return layer
}
