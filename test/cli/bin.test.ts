// The bin tests run dist/cli.js only when it was built from the current source; a stale or
// partial build falls back to the source through tsx (test/cli/bin.ts).
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { cliArgs, isBuildFresh } from './bin.js'

function tree (t: Test, files: Record<string, number>): string {
  const root = t.testdir()
  for (const [path, mtimeS] of Object.entries(files)) {
    const full = join(root, path)
    mkdirSync(join(full, '..'), { recursive: true })
    writeFileSync(full, '')
    utimesSync(full, mtimeS, mtimeS)
  }
  return root
}

t.test('a build newer than every source file is used', async (t) => {
  const root = tree(t, { 'src/cli.ts': 100, 'src/cli/main.ts': 100, 'dist/cli.js': 200, 'dist/cli/main.js': 200 })
  t.ok(isBuildFresh(root))
  t.same(cliArgs(root), ['dist/cli.js'])
})

t.test('one source file edited after the build: the source runs', async (t) => {
  const root = tree(t, { 'src/cli.ts': 100, 'src/cli/main.ts': 300, 'dist/cli.js': 200, 'dist/cli/main.js': 200 })
  t.notOk(isBuildFresh(root))
  t.same(cliArgs(root), ['--import', 'tsx', 'src/cli.ts'])
})

t.test('a source file the build does not have yet: the source runs', async (t) => {
  const root = tree(t, { 'src/cli.ts': 100, 'src/config/files.ts': 100, 'dist/cli.js': 200 })
  t.notOk(isBuildFresh(root))
})

t.test('no build at all: the source runs', async (t) => {
  const root = tree(t, { 'src/cli.ts': 100 })
  t.same(cliArgs(root), ['--import', 'tsx', 'src/cli.ts'])
})
