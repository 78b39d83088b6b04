// Views derived from the schema: --help lines, the README option table and check-config's
// redacted effective configuration.
import { stringify } from 'yaml'
import { type Kind, type Shown } from './kind.js'
import {
  envName, fileEnvName, flagName, getOption, optionNames, type Config, type Option, type OptionName
} from './schema.js'
import { type Origins } from './load.js'

const REDACTED = '[redacted]'

function defaultText (option: Option<unknown>): string {
  if (option.presence === 'required') return 'required'
  if (option.defaultDoc !== undefined) return option.defaultDoc
  if (option.default === undefined) return 'unset'
  return option.default === '' ? 'empty' : String(option.default)
}

function flagUsage (name: OptionName): string {
  const { kind } = getOption(name)
  return kind.flag === 'boolean' ? `--${flagName(name)}[=false]` : `--${flagName(name)} ${kind.placeholder}`
}

// The option part of `--help` for commands that take the configuration (serve, check-config):
// the flag on one line, then what it means, its default and its environment variable.
export function describeOptionFlags (): string {
  const lines = optionNames.map((name) => {
    const option = getOption(name)
    const env = option.secret ? `${envName(name)} or ${fileEnvName(name)}` : envName(name)
    const presence = option.presence === 'required' ? 'Required' : `Default: ${defaultText(option)}`
    return `  ${flagUsage(name)}\n      ${option.doc}. ${presence}. Env: ${env}`
  })
  return [
    'Options (flag > environment > --config file > default; YAML keys are the camelCase names):',
    `  --config <file>\n      YAML configuration file. Env: ${envName('config')}`,
    ...lines
  ].join('\n')
}

// `|` would end the cell and `<word>` would read as an HTML tag on GitHub.
function cell (s: string): string {
  return s.replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

function defaultCell (option: Option<unknown>): string {
  const literal = option.presence === 'default' && option.default !== ''
  return literal ? '`' + String(option.default) + '`' : cell(defaultText(option))
}

export const OPTION_TABLE_START = '<!-- options:start -->'
export const OPTION_TABLE_END = '<!-- options:end -->'

// Markdown table between the README's options markers (scripts/generate-option-table.ts).
export function renderOptionTable (): string {
  const rows = optionNames.map((name) => {
    const option = getOption(name)
    const secret = option.secret ? `yes, also \`${fileEnvName(name)}\`` : ''
    return `| \`${name}\` | \`--${flagName(name)}\` | \`${envName(name)}\` | ${defaultCell(option)} | ${secret} | ${cell(option.doc)} |`
  })
  return [
    '| option | flag | env | default | secret | meaning |',
    '|---|---|---|---|---|---|',
    ...rows
  ].join('\n')
}

function shown (name: OptionName, value: unknown): Shown {
  if (value === undefined) return null
  const option = getOption(name)
  if (option.secret) return REDACTED
  return (option.kind as Kind<unknown>).format(value)
}

// check-config's output: YAML with camelCase keys, human durations, secrets redacted, and where
// each value came from as a trailing comment.
export function renderEffectiveConfig (config: Config, origins: Origins, spellings: Record<OptionName, string>): string {
  const lines = optionNames.map((name) => {
    // the value alone in flow style keeps each option on one line, with its comment
    const line = `${name}: ${stringify(shown(name, config[name]), { collectionStyle: 'flow', lineWidth: 0 }).trimEnd()}`
    const origin = origins[name]
    return `${line}  # ${origin === 'default' ? origin : `${origin}: ${spellings[name]}`}`
  })
  return lines.join('\n') + '\n'
}
