// A real nginx for the forward-auth tests (SPEC §6): one process of our own on a free port,
// with its config, pid file, logs and temp directories in a temp dir, stopped by PID at
// teardown. `daemon off; master_process off` keeps it a single child we can wait for.
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import { freePort, until } from '../session/redis-helpers.js'

export interface RunningNginx {
  port: number
  url: string
  dir: string
  /** what nginx wrote to its error log so far (for failure messages) */
  errorLog: () => Promise<string>
}

export interface NginxOptions {
  /** the port to listen on (a test that must know it before nginx starts); default: a free one */
  port?: number
  /** more `http {}` level directives, such as an `upstream {}` block */
  http?: string
}

/**
 * Starts nginx with `server` (the body of one `server {}` block, without `listen`) inside an
 * `http {}` whose every path points into a fresh temp dir.
 */
export async function startNginx (t: Test, server: string, options: NginxOptions = {}): Promise<RunningNginx> {
  const dir = await mkdtemp(join(tmpdir(), 'aap-nginx-'))
  const port = options.port ?? await freePort()
  const conf = join(dir, 'nginx.conf')
  await writeFile(conf, `
daemon off;
master_process off;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} info;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${join(dir, 'client_body')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
${options.http ?? ''}
  server {
    listen 127.0.0.1:${port};
${server}
  }
}
`)
  const errorLog = async (): Promise<string> => await readFile(join(dir, 'error.log'), 'utf8').catch(() => '')
  // -e: nginx opens its compiled-in error log before it reads the config.
  const child = spawn('nginx', ['-p', dir, '-c', conf, '-e', join(dir, 'error.log')], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => { stderr += String(chunk) })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
      await exited
    }
    await rm(dir, { recursive: true, force: true })
  })
  try {
    await until(async () => {
      if (child.exitCode !== null) throw new Error(`nginx exited ${child.exitCode}: ${stderr}${await errorLog()}`)
      return await canConnect(port)
    }, 10_000)
  } catch (err) {
    throw new Error(`nginx did not start: ${stderr}${await errorLog()}`, { cause: err })
  }
  return { port, url: `http://127.0.0.1:${port}`, dir, errorLog }
}

async function canConnect (port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => { socket.destroy(); resolve(true) })
    socket.once('error', () => resolve(false))
  })
}
