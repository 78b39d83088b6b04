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

export interface ProxyEnv {
  upstream: string
  port: number
  providerUrl: string
  clientId: string
  clientSecret: string
  cookieSecret: string
  // further AUTH_PROXY_* variables, e.g. the store or the log level
  extra?: Record<string, string>
}

/** A spawned proxy's environment on 127.0.0.1:port, its callback on the same address. */
export function proxyEnv (options: ProxyEnv): NodeJS.ProcessEnv {
  return {
    // only PATH from the parent: the test's own AUTH_PROXY_* variables must not leak in
    PATH: process.env.PATH ?? '',
    AUTH_PROXY_UPSTREAM: options.upstream,
    AUTH_PROXY_LISTEN: `127.0.0.1:${options.port}`,
    AUTH_PROXY_METRICS_LISTEN: '',
    AUTH_PROXY_PROVIDER_URL: options.providerUrl,
    AUTH_PROXY_CLIENT_ID: options.clientId,
    AUTH_PROXY_CLIENT_SECRET: options.clientSecret,
    AUTH_PROXY_REDIRECT_URL: `http://127.0.0.1:${options.port}/oauth2/callback`,
    AUTH_PROXY_COOKIE_SECURE: 'false',
    AUTH_PROXY_COOKIE_SECRET: options.cookieSecret,
    ...options.extra
  }
}
