// How tests start the real bin in its own process. dist/cli.js is what an operator runs, and
// `npm test` builds it right before the tests; but a dist/ older than src/ (a test file run on
// its own after an edit) would test yesterday's code and pass or fail for the wrong reason. So
// the build is used only when every source file has an output at least as new as itself;
// otherwise the TypeScript source runs through tsx.
import { readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('../../', import.meta.url))

function sourceFiles (dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : []
  })
}

function mtimeMs (path: string): number | undefined {
  try {
    return statSync(path).mtimeMs
  } catch {
    return undefined
  }
}

/** Whether dist/ holds a build of the current src/: each src/x.ts has a dist/x.js no older. */
export function isBuildFresh (root = ROOT): boolean {
  const src = join(root, 'src')
  return sourceFiles(src).every((file) => {
    const built = mtimeMs(join(root, 'dist', relative(src, file).replace(/\.ts$/, '.js')))
    return built !== undefined && built >= (mtimeMs(file) ?? Infinity)
  })
}

/** node arguments that start the bin, run with cwd = ROOT. */
export function cliArgs (root = ROOT): string[] {
  return isBuildFresh(root) ? ['dist/cli.js'] : ['--import', 'tsx', 'src/cli.ts']
}
