// Serves a renewed certificate without a restart (SPEC §3 tlsCertFile/tlsKeyFile): new TLS
// handshakes get the pair on disk, connections already open keep theirs.
import type { X509Certificate } from 'node:crypto'
import { watch, type FSWatcher } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import type { SecureContextOptions } from 'node:tls'
import type { FastifyBaseLogger } from 'fastify'
import { checkKeyPair } from '../config/files.js'

// Kubernetes (cert-manager's Secret mount) swaps a whole directory: a new timestamped folder,
// a `..data_tmp` symlink, then a rename over `..data`. One read after that burst, not one per
// entry; an editor or `cp` that writes the two files one after the other settles in it too.
export const TLS_RELOAD_DEBOUNCE_MS = 500

export interface TlsFiles {
  certFile: string
  keyFile: string
}

// The part of an https.Server (or tls.Server) the reload needs.
export interface SecureContextTarget {
  setSecureContext: (options: SecureContextOptions) => void
}

export interface TlsReloadOptions extends TlsFiles {
  server: SecureContextTarget
  log: Pick<FastifyBaseLogger, 'info' | 'warn'>
}

export interface TlsReload {
  close: () => void
}

interface KeyPair {
  cert: Buffer
  key: Buffer
}

type Loaded = { ok: true, pair: KeyPair, certificate: X509Certificate } | { ok: false, reason: string }

// Both files, checked as a pair (the same check as at startup, config/files.ts): a half-written
// or mismatched pair is refused with a reason that never quotes the files (the key is a secret,
// and so may be what a bad file holds).
export async function loadKeyPair (files: TlsFiles): Promise<Loaded> {
  let pair: KeyPair
  try {
    const [cert, key] = await Promise.all([readFile(files.certFile), readFile(files.keyFile)])
    pair = { cert, key }
  } catch (err) {
    return { ok: false, reason: `cannot read the files (${(err as NodeJS.ErrnoException).code ?? 'error'})` }
  }
  const checked = checkKeyPair(pair.cert, pair.key)
  return checked.ok ? { ok: true, pair, certificate: checked.certificate } : { ok: false, reason: checked.reason }
}

export function startTlsReload (options: TlsReloadOptions): TlsReload {
  const { server, log } = options
  let current: KeyPair | undefined
  let timer: NodeJS.Timeout | undefined
  let closed = false
  // One reload at a time, in order, so a slow read cannot apply an older pair after a newer one.
  let queue = loadKeyPair(options).then((loaded) => { if (loaded.ok) current = loaded.pair })

  async function reload (): Promise<void> {
    const loaded = await loadKeyPair(options)
    if (closed) return
    if (!loaded.ok) {
      log.warn({ event: 'tls_reload', outcome: 'refused', reason: loaded.reason, certFile: options.certFile, keyFile: options.keyFile },
        'TLS files changed but cannot be used: still serving the previous certificate')
      return
    }
    const { pair, certificate } = loaded
    if (current !== undefined && pair.cert.equals(current.cert) && pair.key.equals(current.key)) return
    server.setSecureContext(pair)
    current = pair
    log.info({
      event: 'tls_reload',
      outcome: 'ok',
      subject: certificate.subject,
      fingerprint256: certificate.fingerprint256,
      validTo: certificate.validTo
    }, 'TLS certificate reloaded')
  }

  function schedule (): void {
    clearTimeout(timer)
    timer = setTimeout(() => {
      queue = queue.then(reload).catch((err: unknown) => {
        log.warn({ event: 'tls_reload', outcome: 'failed', err }, 'TLS reload failed: still serving the previous certificate')
      })
    }, TLS_RELOAD_DEBOUNCE_MS)
    timer.unref()
  }

  // The directories, not the files: an atomic swap (rename, or Kubernetes' `..data` symlink)
  // replaces the inode a file watch would be bound to, and that watch would go quiet.
  const directories = [...new Set([options.certFile, options.keyFile].map((file) => dirname(resolve(file))))]
  const watchers: FSWatcher[] = directories.map((directory) =>
    // not persistent: the server, not the watch, decides how long the process lives
    watch(directory, { persistent: false }, schedule).on('error', (err) => {
      log.warn({ event: 'tls_reload', outcome: 'watch_failed', directory, err },
        'cannot watch the TLS directory any more: certificate renewals need a restart')
    }))

  return {
    close () {
      closed = true
      clearTimeout(timer)
      for (const watcher of watchers) watcher.close()
    }
  }
}
