import { parseArgs } from 'node:util'
import { closest, distance } from 'fastest-levenshtein'

export interface FlagSpec {
  // flag name without dashes, kebab-case
  name: string
  type: 'string' | 'boolean'
  multiple?: boolean
}

export type ParsedFlags = Record<string, string | boolean | string[] | undefined>

export type ParseResult =
  | { ok: true, flags: ParsedFlags, positionals: string[] }
  | { ok: false, problems: string[] }

// A suggestion only when it is plausibly a typo, so `--foo` does not suggest `--port`.
export function suggest (input: string, candidates: readonly string[]): string | undefined {
  if (candidates.length === 0) return undefined
  const best = closest(input, candidates as string[])
  return distance(input, best) <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined
}

export function didYouMean (input: string, candidates: readonly string[], prefix = ''): string {
  const best = suggest(input, candidates)
  return best === undefined ? '' : ` (did you mean ${prefix}${best}?)`
}

// node:util parseArgs does the tokenizing; we only add the did-you-mean it lacks, and collect
// every problem instead of stopping at the first.
export function parseFlags (argv: readonly string[], specs: readonly FlagSpec[], allowPositionals = false): ParseResult {
  const options: Record<string, { type: 'string' | 'boolean', multiple?: boolean }> = {}
  for (const s of specs) options[s.name] = { type: s.type, multiple: s.multiple ?? false }
  const known = specs.map((s) => s.name)
  const { values, positionals, tokens } = parseArgs({
    args: [...argv], options, strict: false, allowPositionals: true, tokens: true
  })
  const problems: string[] = []
  for (const tok of tokens) {
    if (tok.kind !== 'option') continue
    const spec = specs.find((s) => s.name === tok.name)
    if (spec === undefined) {
      problems.push(`unknown flag --${tok.name}${didYouMean(tok.name, known, '--')}`)
    } else if (spec.type === 'string' && tok.value === undefined) {
      problems.push(`flag --${tok.name} needs a value`)
    } else if (spec.type === 'boolean' && tok.inlineValue === true) {
      problems.push(`flag --${tok.name} takes no value`)
    }
  }
  if (!allowPositionals && positionals.length > 0) {
    problems.push(`unexpected argument ${JSON.stringify(positionals[0])}`)
  }
  if (problems.length > 0) return { ok: false, problems }
  return { ok: true, flags: values as ParsedFlags, positionals }
}
