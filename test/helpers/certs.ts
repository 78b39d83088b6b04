// Self-signed certificates from the openssl CLI, for TLS servers a test starts (an https
// upstream). Each lives in its own temporary directory, removed at teardown.
import { spawnSync } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'

export interface SelfSignedCert {
  certFile: string
  keyFile: string
  cert: Buffer
  key: Buffer
}

/** A self-signed P-256 certificate valid for 127.0.0.1 and localhost. */
export async function makeSelfSignedCert (t: Test, cn = 'aap-test-upstream'): Promise<SelfSignedCert> {
  const dir = await mkdtemp(join(tmpdir(), 'aap-cert-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const certFile = join(dir, 'cert.pem')
  const keyFile = join(dir, 'key.pem')
  const made = spawnSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', `/CN=${cn}`,
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'
  ], { encoding: 'utf8' })
  if (made.status !== 0) throw new Error(`openssl failed: ${made.error?.message ?? made.stderr}`)
  return { certFile, keyFile, cert: await readFile(certFile), key: await readFile(keyFile) }
}
