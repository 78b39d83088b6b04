// SPEC §5: TLS to an https upstream is verified, and skipping verification is never a default.
// A self-signed upstream is refused (502) until upstreamCaFile names its certificate; a CA
// file holding some other certificate does not help.
import { createServer } from 'node:https'
import t, { type Test } from 'tap'
import { request } from 'undici'
import { makeSelfSignedCert, type SelfSignedCert } from '../helpers/certs.js'
import { startStack } from '../helpers/stack.js'

async function startHttpsUpstream (t: Test, cert: SelfSignedCert): Promise<{ url: string, hits: string[] }> {
  const hits: string[] = []
  const server = createServer({ cert: cert.cert, key: cert.key }, (req, res) => {
    hits.push(req.url ?? '')
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ url: req.url, tls: true }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => {
    server.closeAllConnections()
    server.close(() => resolve())
  }))
  return { url: `https://127.0.0.1:${(server.address() as { port: number }).port}`, hits }
}

// A skipped route, so no login is needed to reach the upstream.
const SKIP = { skipAuthRoutes: '^/tls/' }

// @fastify/reply-from defaults undici's tls.rejectUnauthorized to false (lib/request.js,
// getUndiciOptions); these tests keep src/proxy/plugin.ts turning it back on.

t.test('a self-signed https upstream gets 502 by default: the certificate is verified', async (t) => {
  const cert = await makeSelfSignedCert(t)
  const upstream = await startHttpsUpstream(t, cert)
  const stack = await startStack(t, { config: { upstream: upstream.url, ...SKIP } })
  const res = await request(`${stack.proxyUrl}/tls/page`, { headers: { accept: 'application/json' } })
  t.equal(res.statusCode, 502)
  t.same(await res.body.json(), { error: 'upstream_unavailable' })
  t.same(upstream.hits, [], 'no request was sent over the unverified connection')
  t.ok(stack.logs.some((l) => l.includes('"event":"upstream_error"')), 'the failure is logged')
})

t.test('with upstreamCaFile set to the upstream\'s certificate the request goes through', async (t) => {
  const cert = await makeSelfSignedCert(t)
  const upstream = await startHttpsUpstream(t, cert)
  const stack = await startStack(t, { config: { upstream: upstream.url, upstreamCaFile: cert.certFile, ...SKIP } })
  const res = await request(`${stack.proxyUrl}/tls/page?x=1`, { headers: { accept: 'application/json' } })
  t.equal(res.statusCode, 200)
  t.same(await res.body.json(), { url: '/tls/page?x=1', tls: true }, 'the upstream answered over TLS')
})

t.test('an upstreamCaFile holding another certificate still gets 502', async (t) => {
  const cert = await makeSelfSignedCert(t)
  const other = await makeSelfSignedCert(t, 'someone-else')
  const upstream = await startHttpsUpstream(t, cert)
  const stack = await startStack(t, { config: { upstream: upstream.url, upstreamCaFile: other.certFile, ...SKIP } })
  const res = await request(`${stack.proxyUrl}/tls/page`, { headers: { accept: 'application/json' } })
  t.equal(res.statusCode, 502)
  await res.body.dump()
  t.same(upstream.hits, [])
})
