// SPEC §3: options that name files are read when the configuration loads, and an unusable file
// is one plain problem line (exit 2 in the CLI, test/cli/process.test.ts), not a stack trace
// when the HTTPS server starts. Likewise metricsListen on the proxy's own address.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { loadConfig, resolveConfig } from '../../src/config/index.js'
import { makeSelfSignedCert } from '../helpers/certs.js'
import { validEnv, validRaw } from './fixtures.js'

function problems (raw: Record<string, unknown>): string[] {
  const r = resolveConfig({ ...validRaw, ...raw })
  return r.ok ? [] : r.problems
}

t.test('TLS files: readable, a PEM certificate, a PEM key, and a matching pair', async (t) => {
  const cert = await makeSelfSignedCert(t, 'aap-config-a')
  const other = await makeSelfSignedCert(t, 'aap-config-b')
  const dir = t.testdir({ 'garbage.pem': 'not a certificate\n' })
  const garbage = join(dir, 'garbage.pem')
  const missing = join(dir, 'missing.pem')

  t.same(problems({ tlsCertFile: cert.certFile, tlsKeyFile: cert.keyFile }), [], 'a good pair loads')

  const both = problems({ tlsCertFile: missing, tlsKeyFile: join(dir, 'missing-key.pem') })
  t.equal(both.length, 2, 'one line per unreadable file')
  t.match(both[0], /^tlsCertFile: cannot read ".*missing\.pem" \(ENOENT\); expected a readable PEM certificate file$/)
  t.match(both[1], /^tlsKeyFile: cannot read ".*missing-key\.pem" \(ENOENT\); expected a readable PEM private key file$/)

  t.same(problems({ tlsCertFile: garbage, tlsKeyFile: cert.keyFile }),
    ['tlsCertFile: the certificate file holds no PEM certificate; expected a PEM certificate and its own PEM private key'])
  const badKey = problems({ tlsCertFile: cert.certFile, tlsKeyFile: garbage })
  t.same(badKey, ['tlsKeyFile: the key file holds no PEM private key; expected a PEM certificate and its own PEM private key'])
  t.same(problems({ tlsCertFile: cert.certFile, tlsKeyFile: other.keyFile }),
    ['tlsKeyFile: the key does not match the certificate; expected a PEM certificate and its own PEM private key'])

  // the key is a secret: no line quotes a file's content
  const swapped = problems({ tlsCertFile: cert.keyFile, tlsKeyFile: cert.certFile })
  t.equal(swapped.length, 1, 'files given the wrong way round: one line')
  t.notMatch(swapped.join('\n'), /BEGIN|PRIVATE KEY/, 'no PEM content in the line')
})

t.test('half a TLS pair is one line, whatever the file', async (t) => {
  t.same(problems({ tlsCertFile: '/nonexistent/cert.pem' }), ['tlsCertFile: set without tlsKeyFile; expected both or neither'])
})

t.test('upstreamCaFile and redisCaFile: readable PEM CA bundles', async (t) => {
  const cert = await makeSelfSignedCert(t, 'aap-config-ca')
  const dir = t.testdir({ 'garbage.pem': 'garbage\n', 'empty.pem': '' })
  writeFileSync(join(dir, 'bundle.pem'), Buffer.concat([cert.cert, cert.cert]))

  t.same(problems({ upstreamCaFile: cert.certFile }), [])
  t.same(problems({ upstreamCaFile: join(dir, 'bundle.pem') }), [], 'a bundle of several certificates')
  t.match(problems({ upstreamCaFile: join(dir, 'nope.pem') }), [/^upstreamCaFile: cannot read ".*nope\.pem" \(ENOENT\); expected a readable PEM CA bundle$/])
  t.match(problems({ upstreamCaFile: join(dir, 'garbage.pem') }), [/^upstreamCaFile: ".*garbage\.pem" holds no PEM certificate; expected a readable PEM CA bundle$/])
  t.match(problems({ upstreamCaFile: join(dir, 'empty.pem') }), [/holds no PEM certificate/])
  t.match(problems({ upstreamCaFile: dir }), [/^upstreamCaFile: cannot read .* \(EISDIR\)/], 'a directory')

  const rediss = { redisUrl: 'rediss://127.0.0.1:6380' }
  t.same(problems({ ...rediss, redisCaFile: cert.certFile }), [])
  t.match(problems({ ...rediss, redisCaFile: join(dir, 'nope.pem') }), [/^redisCaFile: cannot read ".*nope\.pem" \(ENOENT\)/])
  t.same(problems({ redisUrl: 'redis://127.0.0.1:6379', redisCaFile: join(dir, 'nope.pem') }),
    ['redisCaFile: redisUrl uses redis:// (no TLS); expected a rediss:// redisUrl'], 'a CA file that would not be used is not read')
})

t.test('relative file paths are read from the working directory given to loadConfig', async (t) => {
  const cert = await makeSelfSignedCert(t, 'aap-config-rel')
  const dir = t.testdir()
  writeFileSync(join(dir, 'ca.pem'), cert.cert)
  const env = { ...validEnv, AUTH_PROXY_UPSTREAM_CA_FILE: 'ca.pem' }
  t.ok(loadConfig({ argv: [], env, cwd: dir }).ok, 'found relative to cwd')
  const elsewhere = loadConfig({ argv: [], env, cwd: join(dir, '..') })
  t.match(elsewhere.ok ? [] : elsewhere.problems, [/^AUTH_PROXY_UPSTREAM_CA_FILE: cannot read "ca\.pem" \(ENOENT\)/], 'named as the user spelled it')
})

t.test('metricsListen on the proxy\'s own address is a configuration problem', async (t) => {
  const clash = /^metricsListen: .* is the proxy's own address \(listen .*\); expected another port, or empty to disable metrics$/
  t.match(problems({ listen: '0.0.0.0:4180', metricsListen: '0.0.0.0:4180' }), [clash], 'the same host:port')
  t.match(problems({ listen: '0.0.0.0:4180', metricsListen: '127.0.0.1:4180' }), [clash], 'any address vs one of its hosts')
  t.match(problems({ listen: '10.1.2.3:9180' }), [clash], 'the default metricsListen (0.0.0.0:9180) on listen\'s port')
  t.match(problems({ listen: '[::]:4180', metricsListen: '127.0.0.1:4180' }), [clash], 'IPv6 any address')
  t.match(problems({ listen: 'localhost:4180', metricsListen: '127.0.0.1:4180' }), [clash], 'localhost is loopback')
  t.same(problems({ listen: '127.0.0.1:4180', metricsListen: '127.0.0.2:4180' }), [], 'two specific addresses on one port')
  t.same(problems({ listen: '0.0.0.0:4180', metricsListen: '0.0.0.0:9180' }), [], 'two ports')
  t.same(problems({ listen: '127.0.0.1:0', metricsListen: '127.0.0.1:0' }), [], 'port 0 is a fresh port each time')
  t.same(problems({ listen: '0.0.0.0:4180', metricsListen: '' }), [], 'metrics off')
  const env = loadConfig({ argv: ['--metrics-listen', '0.0.0.0:4180'], env: { ...validEnv, AUTH_PROXY_LISTEN: '0.0.0.0:4180' }, cwd: '/' })
  t.match(env.ok ? [] : env.problems, [/^--metrics-listen: /], 'named as the user spelled it')
})
