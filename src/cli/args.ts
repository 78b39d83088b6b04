import { parseArgs } from 'node:util'
import { closest, distance } from 'fastest-levenshtein'

export interface FlagSpec {
  // flag name without dashes, kebab-case
  name: string
  type: 'string' | 'boolean'
  // a string flag that may repeat; its value is then a string[]
  multiple?: boolean
  // one-letter alias, e.g. 'h' for --help
  short?: string
}

export type ParsedFlags = Record<string, string | boolean | string[] | undefined>

export type ParseResult =
  | { ok: true, flags: ParsedFlags, positionals: string[] }
  // `flags` holds what did parse and `invalid` the known flags that did not, so a caller can
  // still report everything else (config loading does)
  | { ok: false, problems: string[], flags: ParsedFlags, positionals: string[], invalid: string[] }

// Compares names with case, '-' and '_' ignored, so `upstream-timeout` finds `upstreamTimeout`
// and `AUTH_PROXY_COOKIESECRET` finds `AUTH_PROXY_COOKIE_SECRET`.
function fold (s: string): string {
  return s.toLowerCase().replace(/[-_]/g, '')
}

// A suggestion only when it is plausibly a typo, so `--foo` does not suggest `--port`.
export function suggest (input: string, candidates: readonly string[]): string | undefined {
  if (candidates.length === 0) return undefined
  const folded = fold(input)
  const same = candidates.find((c) => fold(c) === folded)
  if (same !== undefined) return same
  const best = closest(input, candidates as string[])
  return distance(input, best) <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined
}

export function didYouMean (input: string, candidates: readonly string[], prefix = ''): string {
  const best = suggest(input, candidates)
  return best === undefined ? '' : ` (did you mean ${prefix}${best}?)`
}

const BOOLEAN_WORDS: Record<string, boolean> = { true: true, 1: true, false: false, 0: false }

// node:util parseArgs does the tokenizing; we add the did-you-mean it lacks, `--flag=false` for
// booleans, and collect every problem instead of stopping at the first.
export function parseFlags (argv: readonly string[], specs: readonly FlagSpec[], allowPositionals = false): ParseResult {
  const options: Record<string, { type: 'string' | 'boolean', short?: string }> = {}
  // Every flag is tokenized as a boolean and a string flag takes the positional right after it:
  // parseArgs would otherwise swallow `--pkce` as the value of `--upstream --pkce`.
  for (const s of specs) {
    options[s.name] = s.short === undefined ? { type: 'boolean' } : { type: 'boolean', short: s.short }
  }
  const { tokens } = parseArgs({
    args: [...argv], options, strict: false, allowPositionals: true, tokens: true
  })
  const flags: ParsedFlags = {}
  const problems: string[] = []
  const invalid: string[] = []
  const consumed = new Set<number>()
  const valueAfter = (i: number): string | undefined => {
    const tok = tokens[i]
    const next = tokens[i + 1]
    if (tok === undefined || next?.kind !== 'positional' || next.index !== tok.index + 1) return undefined
    consumed.add(i + 1)
    return next.value
  }
  tokens.forEach((tok, i) => {
    if (tok.kind !== 'option') return
    const spec = specs.find((s) => s.name === tok.name)
    const shown = tok.rawName.startsWith('--') ? `--${tok.name}` : tok.rawName
    if (spec === undefined) {
      problems.push(`unknown flag ${shown}${didYouMean(tok.name, specs.map((s) => s.name), '--')}`)
      // most flags take a value: `--upstrem http://x` is one problem, not two
      if (tok.inlineValue !== true) valueAfter(i)
      return
    }
    const before = problems.length
    let value: string | boolean | undefined
    if (spec.type === 'boolean') {
      if (tok.inlineValue === true) {
        value = BOOLEAN_WORDS[tok.value ?? '']
        if (value === undefined) problems.push(`flag --${spec.name} takes true or false, or no value`)
      } else {
        value = true
      }
    } else if (tok.inlineValue === true) {
      value = tok.value
    } else {
      value = valueAfter(i)
      if (value === undefined) problems.push(`flag --${spec.name} needs a value`)
    }
    if (value !== undefined) store(flags, spec, value, problems)
    if (problems.length > before) invalid.push(spec.name)
  })
  const rest: string[] = []
  tokens.forEach((tok, i) => { if (tok.kind === 'positional' && !consumed.has(i)) rest.push(tok.value) })
  if (!allowPositionals && rest.length > 0) {
    problems.push(`unexpected argument ${JSON.stringify(rest[0])}`)
  }
  if (problems.length > 0) return { ok: false, problems, flags, positionals: rest, invalid }
  return { ok: true, flags, positionals: rest }
}

function store (flags: ParsedFlags, spec: FlagSpec, value: string | boolean, problems: string[]): void {
  const prev = flags[spec.name]
  if (spec.multiple === true && typeof value === 'string') {
    flags[spec.name] = Array.isArray(prev) ? [...prev, value] : [value]
  } else if (prev !== undefined) {
    problems.push(`flag --${spec.name} is given more than once`)
  } else {
    flags[spec.name] = value
  }
}

// `--help` / `-h` anywhere before `--`: commands answer it before validating anything else, so
// help works even next to flags that would be rejected.
export function hasHelpFlag (argv: readonly string[]): boolean {
  for (const a of argv) {
    if (a === '--') return false
    if (a === '--help' || a === '-h') return true
  }
  return false
}
