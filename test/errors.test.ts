import { readFile } from 'node:fs/promises'
import t from 'tap'
import * as errors from '../src/errors.js'

// fastify's test/internals/errors.test.js: the catalogue cannot drift from its docs.
t.test('every error code is declared under its own name and documented', async (t) => {
  const doc = await readFile(new URL('../docs/errors.md', import.meta.url), 'utf8')
  const codes = new Set<string>()
  for (const [name, Ctor] of Object.entries(errors)) {
    const err = new (Ctor as new (...a: unknown[]) => Error & { code: string })('x', 'y', 'z')
    t.match(err.code, /^AAP_ERR_[A-Z]+_[A-Z_]+$/, `${name} has a well-formed code`)
    t.notOk(codes.has(err.code), `${err.code} is declared once`)
    codes.add(err.code)
    t.ok(doc.includes('`' + err.code + '`'), `${err.code} is documented in docs/errors.md`)
  }
  t.ok(codes.size > 0)
})
