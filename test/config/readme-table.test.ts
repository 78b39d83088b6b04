import { readFile } from 'node:fs/promises'
import t from 'tap'
import { OPTION_TABLE_END, OPTION_TABLE_START, renderOptionTable } from '../../src/config/describe.js'

// Like fastify's test:validator:integrity: the generated table may not drift from the schema.
t.test('README.md option table matches the schema', async (t) => {
  const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8')
  const start = readme.indexOf(OPTION_TABLE_START)
  const end = readme.indexOf(OPTION_TABLE_END)
  t.ok(start !== -1 && end > start, 'README.md has the option table markers')
  const current = readme.slice(start + OPTION_TABLE_START.length, end).trim()
  t.equal(current, renderOptionTable(), 'README.md option table is stale: run `npm run docs:options`')
})
