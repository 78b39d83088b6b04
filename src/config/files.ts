// Options that name files (SPEC §3): each file is read and checked when the configuration loads,
// so a missing, unreadable or unusable file is one plain problem line and exit status 2, never a
// stack trace when the server starts. Reading is all it does (check-config connects to nothing).
// Problem lines quote the path (whole: its end is what tells files apart), never the content:
// a key file holds a secret.
import { createPrivateKey, X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { createSecureContext } from 'node:tls'
import { redisCaFileProblem, type Spell } from './checks.js'
import type { Config } from './schema.js'

export type KeyPairCheck = { ok: true, certificate: X509Certificate } | { ok: false, reason: string, option: 'tlsCertFile' | 'tlsKeyFile' | 'both' }

// The pair as the HTTPS server will use it; also run on every reload (server/tls-reload.ts).
export function checkKeyPair (cert: Buffer, key: Buffer): KeyPairCheck {
  let certificate: X509Certificate
  try {
    certificate = new X509Certificate(cert)
  } catch {
    return { ok: false, option: 'tlsCertFile', reason: 'the certificate file holds no PEM certificate' }
  }
  try {
    if (!certificate.checkPrivateKey(createPrivateKey(key))) {
      return { ok: false, option: 'tlsKeyFile', reason: 'the key does not match the certificate' }
    }
  } catch {
    return { ok: false, option: 'tlsKeyFile', reason: 'the key file holds no PEM private key' }
  }
  try {
    // Anything else OpenSSL refuses (a broken chain after the leaf, a key type it does not
    // support) is caught here, not when the server builds its context.
    createSecureContext({ cert, key })
  } catch (err) {
    return { ok: false, option: 'both', reason: `OpenSSL refuses the pair (${(err as { code?: string }).code ?? 'error'})` }
  }
  return { ok: true, certificate }
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g

// A CA bundle: one or more PEM certificates. Node's TLS silently ignores a bundle it cannot
// parse, and verification would then fail on every connection instead of at startup.
function checkCaBundle (content: Buffer): string | undefined {
  const blocks = content.toString('latin1').match(PEM_CERTIFICATE) ?? []
  if (blocks.length === 0) return 'holds no PEM certificate'
  return blocks.every(parses) ? undefined : 'holds a PEM certificate that does not parse'
}

function parses (pem: string): boolean {
  try {
    return new X509Certificate(pem).raw.length > 0
  } catch {
    return false
  }
}

function read (path: string, cwd: string): { ok: true, content: Buffer } | { ok: false, code: string } {
  try {
    return { ok: true, content: readFileSync(resolve(cwd, path)) }
  } catch (err) {
    return { ok: false, code: (err as NodeJS.ErrnoException).code ?? 'error' }
  }
}

type FileOption = 'tlsCertFile' | 'tlsKeyFile' | 'upstreamCaFile' | 'redisCaFile'

const EXPECTED: Record<FileOption, string> = {
  tlsCertFile: 'a readable PEM certificate file',
  tlsKeyFile: 'a readable PEM private key file',
  upstreamCaFile: 'a readable PEM CA bundle',
  redisCaFile: 'a readable PEM CA bundle'
}

// Only files the configuration would use: half a TLS pair, or a Redis CA file without TLS, is
// already a problem of its own (checks.ts), and one line says it.
function filesInUse (c: Partial<Config>, spell: Spell): FileOption[] {
  return [
    ...(c.tlsCertFile !== undefined && c.tlsKeyFile !== undefined ? ['tlsCertFile', 'tlsKeyFile'] as const : []),
    ...(c.upstreamCaFile !== undefined ? ['upstreamCaFile'] as const : []),
    ...(c.redisCaFile !== undefined && redisCaFileProblem(c, spell) === undefined ? ['redisCaFile'] as const : [])
  ]
}

export function checkFiles (c: Partial<Config>, spell: Spell, cwd: string): string[] {
  const problems: string[] = []
  const contents = new Map<FileOption, Buffer>()
  for (const name of filesInUse(c, spell)) {
    const path = c[name] as string
    const r = read(path, cwd)
    if (r.ok) contents.set(name, r.content)
    else problems.push(`${spell(name)}: cannot read ${JSON.stringify(path)} (${r.code}); expected ${EXPECTED[name]}`)
  }
  for (const name of ['upstreamCaFile', 'redisCaFile'] as const) {
    const content = contents.get(name)
    const problem = content === undefined ? undefined : checkCaBundle(content)
    if (problem !== undefined) problems.push(`${spell(name)}: ${JSON.stringify(c[name])} ${problem}; expected ${EXPECTED[name]}`)
  }
  const cert = contents.get('tlsCertFile')
  const key = contents.get('tlsKeyFile')
  if (cert !== undefined && key !== undefined) {
    const pair = checkKeyPair(cert, key)
    if (!pair.ok) {
      const who = pair.option === 'both' ? `${spell('tlsCertFile')}, ${spell('tlsKeyFile')}` : spell(pair.option)
      problems.push(`${who}: ${pair.reason}; expected a PEM certificate and its own PEM private key`)
    }
  }
  return problems
}
