// TLS certificate reload (SPEC §3 tlsCertFile/tlsKeyFile): a renewed pair on disk is served to
// new handshakes without a restart, connections already open keep working, and a bad pair never
// replaces the good one. Certificates come from the openssl CLI, the proxy from startProxy.
import { spawnSync } from 'node:child_process'
import { mkdtemp, mkdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { connect, type TLSSocket } from 'node:tls'
import t, { type Test } from 'tap'
import { startProxy, type RunningProxy } from '../../src/cli/serve-app.js'
import { resolveConfig } from '../../src/config/index.js'
import { loadKeyPair } from '../../src/server/tls-reload.js'
import { COOKIE_SECRET } from '../config/fixtures.js'
import { until } from '../session/redis-helpers.js'

interface Pair { cert: Buffer, key: Buffer }

async function tempDir (t: Test, name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `aap-tls-${name}-`))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

// A self-signed P-256 certificate for 127.0.0.1 with the given CN.
async function makePair (dir: string, cn: string): Promise<Pair> {
  const cert = join(dir, `${cn}.crt`)
  const key = join(dir, `${cn}.key`)
  const r = spawnSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${cn}`, '-addext', 'subjectAltName=IP:127.0.0.1'
  ], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`openssl failed: ${r.error?.message ?? r.stderr}`)
  return { cert: await readFile(cert), key: await readFile(key) }
}

// What the kubelet does for a Secret volume (cert-manager renews the Secret): the files are
// symlinks through `..data`, and an update is a new directory plus one atomic rename of `..data`.
async function publishAsKubelet (mount: string, version: string, pair: { cert: Buffer | string, key: Buffer | string }): Promise<void> {
  await mkdir(join(mount, `..${version}`))
  await writeFile(join(mount, `..${version}`, 'tls.crt'), pair.cert)
  await writeFile(join(mount, `..${version}`, 'tls.key'), pair.key)
  await symlink(`..${version}`, join(mount, '..data_tmp'))
  await rename(join(mount, '..data_tmp'), join(mount, '..data'))
}

// What a plain deployment script does: write next to the file, rename over it.
async function replaceFile (path: string, content: Buffer | string): Promise<void> {
  await writeFile(`${path}.tmp`, content)
  await rename(`${path}.tmp`, path)
}

interface Started { proxy: RunningProxy, port: number, logs: () => Array<Record<string, unknown>>, raw: () => string }

async function startTlsProxy (t: Test, certFile: string, keyFile: string): Promise<Started> {
  const resolved = resolveConfig({
    upstream: 'http://127.0.0.1:9',
    listen: '127.0.0.1:0',
    metricsListen: '',
    clientId: 'c',
    clientSecret: 's',
    redirectUrl: 'https://127.0.0.1/oauth2/callback',
    cookieSecret: COOKIE_SECRET,
    tlsCertFile: certFile,
    tlsKeyFile: keyFile
  })
  if (!resolved.ok) throw new Error(resolved.problems.join('\n'))
  const chunks: string[] = []
  const stdout = new Writable({ write (chunk, _enc, cb) { chunks.push(String(chunk)); cb() } })
  const proxy = await startProxy(resolved.config, { stdout })
  t.teardown(() => proxy.close())
  const raw = (): string => chunks.join('')
  return {
    proxy,
    port: Number(new URL(proxy.url).port),
    raw,
    logs: () => raw().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>)
  }
}

function open (port: number, ca: Buffer[]): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    // verified against both CAs: a certificate the test did not make fails the handshake
    const socket = connect({ host: '127.0.0.1', port, ca }, () => resolve(socket))
    socket.once('error', reject)
  })
}

async function servedCN (port: number, ca: Buffer[]): Promise<string> {
  const socket = await open(port, ca)
  const cn = socket.getPeerCertificate().subject.CN
  socket.destroy()
  return String(cn)
}

// One HTTP/1.1 request on an open TLS connection, which stays open for the next one.
function getHealth (socket: TLSSocket): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = ''
    const onData = (chunk: Buffer): void => {
      data += chunk.toString('utf8')
      if (data.includes('\r\n\r\n') && data.endsWith('}')) {
        socket.off('data', onData)
        resolve(data.split('\r\n')[0] ?? '')
      }
    }
    socket.on('data', onData)
    socket.once('error', reject)
    socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
  })
}

t.test('a cert-manager renewal (..data symlink swap) is served to new handshakes; open connections stay', async (t) => {
  const keys = await tempDir(t, 'keys')
  const one = await makePair(keys, 'one')
  const two = await makePair(keys, 'two')
  const ca = [one.cert, two.cert]
  const mount = await tempDir(t, 'mount')
  await publishAsKubelet(mount, '2026_01_01', one)
  await symlink('..data/tls.crt', join(mount, 'tls.crt'))
  await symlink('..data/tls.key', join(mount, 'tls.key'))
  const { port, logs, raw } = await startTlsProxy(t, join(mount, 'tls.crt'), join(mount, 'tls.key'))

  t.equal(await servedCN(port, ca), 'one', 'serves the certificate it started with')
  const before = await open(port, ca)
  t.teardown(() => before.destroy())
  t.equal(await getHealth(before), 'HTTP/1.1 200 OK', 'a connection opened before the renewal')

  await publishAsKubelet(mount, '2026_03_01', two)
  await until(async () => await servedCN(port, ca) === 'two')
  t.pass('new handshakes get the renewed certificate')
  t.equal(await getHealth(before), 'HTTP/1.1 200 OK', 'the connection opened before keeps working')
  t.equal(before.getPeerCertificate().subject.CN, 'one', 'on the certificate it was opened with')

  const reloaded = logs().filter((l) => l.event === 'tls_reload')
  t.match(reloaded, [{ level: 30, outcome: 'ok', subject: 'CN=two', msg: 'TLS certificate reloaded' }], 'one info line per renewal')
  t.match(reloaded[0]?.fingerprint256, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/)
  t.notMatch(raw(), 'PRIVATE KEY', 'no key material in the logs')
})

t.test('a bad or half-written pair never replaces the one being served', async (t) => {
  const keys = await tempDir(t, 'keys')
  const one = await makePair(keys, 'one')
  const two = await makePair(keys, 'two')
  const ca = [one.cert, two.cert]
  const dir = await tempDir(t, 'plain')
  const certFile = join(dir, 'tls.crt')
  const keyFile = join(dir, 'tls.key')
  await writeFile(certFile, one.cert)
  await writeFile(keyFile, one.key)
  const { port, logs, raw } = await startTlsProxy(t, certFile, keyFile)
  t.equal(await servedCN(port, ca), 'one', 'serves the certificate it started with')

  await replaceFile(keyFile, two.key)
  await replaceFile(certFile, two.cert)
  await until(async () => await servedCN(port, ca) === 'two')
  t.pass('files replaced by rename are reloaded')

  const refusals = (): Array<Record<string, unknown>> => logs().filter((l) => l.event === 'tls_reload' && l.outcome === 'refused')
  // each write must produce its own refusal, not be matched by an earlier one
  const refused = async (write: () => Promise<void>, reason: string): Promise<void> => {
    const earlier = refusals().length
    await write()
    await until(() => refusals().slice(earlier).some((l) => l.reason === reason))
    t.equal(await servedCN(port, ca), 'two', `still serving the good pair after: ${reason}`)
  }

  await refused(() => replaceFile(certFile, '-----BEGIN CERTIFICATE-----\ngarbage\n-----END CERTIFICATE-----\n'),
    'the certificate file holds no PEM certificate')
  // renewal half done: a new certificate is there, its key not yet
  await refused(() => replaceFile(certFile, one.cert), 'the key does not match the certificate')
  await refused(() => replaceFile(keyFile, 'not a key'), 'the key file holds no PEM private key')

  t.match(refusals()[0], {
    level: 40,
    certFile,
    keyFile,
    msg: 'TLS files changed but cannot be used: still serving the previous certificate'
  })
  t.notMatch(raw(), 'PRIVATE KEY', 'no key material in the logs')
  t.notMatch(raw(), 'not a key', 'nor what a bad key file holds')
})

t.test('loadKeyPair names what is wrong with a pair', async (t) => {
  const keys = await tempDir(t, 'keys')
  const one = await makePair(keys, 'one')
  const two = await makePair(keys, 'two')
  const file = async (name: string, content: Buffer | string): Promise<string> => {
    await writeFile(join(keys, name), content)
    return join(keys, name)
  }
  const load = async (cert: Buffer | string, key: Buffer | string): Promise<unknown> => {
    const loaded = await loadKeyPair({ certFile: await file('c.pem', cert), keyFile: await file('k.pem', key) })
    return loaded.ok ? loaded.certificate.subject : loaded.reason
  }
  t.equal(await load(one.cert, one.key), 'CN=one')
  t.equal(await load(one.cert, two.key), 'the key does not match the certificate')
  t.equal(await load('', one.key), 'the certificate file holds no PEM certificate')
  t.equal(await load(one.cert, one.key.subarray(0, 40)), 'the key file holds no PEM private key')
  t.same(await loadKeyPair({ certFile: join(keys, 'missing.crt'), keyFile: join(keys, 'one.key') }),
    { ok: false, reason: 'cannot read the files (ENOENT)' })
})
