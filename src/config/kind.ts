// A Kind is one way an option is written and read: the TypeBox type of its raw form (what a
// YAML file may hold; env and flag values are strings, and every raw type accepts a string),
// the custom parse into the resolved value, and the inverse used to print it (check-config).
import { type Static, type TSchema } from 'typebox'
import { Value } from 'typebox/value'
import { bad, quote, type Parsed } from './parse.js'

// What check-config prints for a value: something YAML can hold.
export type Shown = string | number | boolean | null | string[]

export interface Kind<T> {
  readonly type: TSchema
  // `--help` placeholder, e.g. '<duration>'
  readonly placeholder: string
  readonly flag: 'string' | 'boolean'
  // a list: the flag may repeat
  readonly multiple: boolean
  parse: (raw: unknown) => Parsed<T>
  format: (value: T) => Shown
}

interface KindParts<R extends TSchema, T> {
  // how a wrong raw type is explained: "expected <expected>"
  expected: string
  placeholder: string
  flag?: 'string' | 'boolean'
  multiple?: boolean
  parse: (raw: Static<R>) => Parsed<T>
  format: (value: T) => Shown
}

export function kind<R extends TSchema, T> (type: R, parts: KindParts<R, T>): Kind<T> {
  return {
    type,
    placeholder: parts.placeholder,
    flag: parts.flag ?? 'string',
    multiple: parts.multiple ?? false,
    parse: (raw) => Value.Check(type, raw)
      ? parts.parse(raw as Static<R>)
      : bad(`${typeof raw === 'object' ? 'a YAML ' + (Array.isArray(raw) ? 'list' : 'mapping') : quote(raw)} is not accepted; expected ${parts.expected}`),
    format: parts.format
  }
}

// A Kind whose value is narrowed further (a range, a pattern) without a new raw type.
export function refine<T> (base: Kind<T>, check: (value: T, raw: unknown) => string | undefined): Kind<T> {
  return {
    ...base,
    parse: (raw) => {
      const r = base.parse(raw)
      if (!r.ok) return r
      const problem = check(r.value, raw)
      return problem === undefined ? r : bad(problem)
    }
  }
}
