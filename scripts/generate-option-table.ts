// Writes the option table generated from src/config/schema.ts between the README markers.
// `npm run docs:options`; test/config/readme-table.test.ts fails when README.md is stale.
import { readFileSync, writeFileSync } from 'node:fs'
import { OPTION_TABLE_END, OPTION_TABLE_START, renderOptionTable } from '../src/config/describe.js'

const path = new URL('../README.md', import.meta.url)
const readme = readFileSync(path, 'utf8')
const start = readme.indexOf(OPTION_TABLE_START)
const end = readme.indexOf(OPTION_TABLE_END)
if (start === -1 || end < start) {
  console.error(`README.md lacks the ${OPTION_TABLE_START} ... ${OPTION_TABLE_END} markers`)
  process.exitCode = 1
} else {
  const head = readme.slice(0, start + OPTION_TABLE_START.length)
  writeFileSync(path, `${head}\n${renderOptionTable()}\n${readme.slice(end)}`)
  console.log('README.md option table updated')
}
