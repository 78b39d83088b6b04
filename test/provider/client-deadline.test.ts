// A provider that sends headers, then trickles its body forever, never trips undici's
// bodyTimeout (it bounds the gap between chunks): only the client's overall deadline ends the
// call. And a body without Content-Length is capped while it streams.
import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { createProviderClient } from '../../src/provider/client.js'

async function trickleServer (t: { teardown: (fn: () => unknown) => void }, chunk: string, everyMs: number): Promise<URL> {
  const open = new Set<ServerResponse>()
  const server = createServer((_req, res) => {
    open.add(res)
    res.writeHead(200, { 'content-type': 'application/json' })
    res.write('{"id":1001')
    const timer = setInterval(() => res.write(chunk), everyMs)
    res.on('close', () => { clearInterval(timer); open.delete(res) })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(async () => {
    for (const res of open) res.destroy()
    await new Promise((resolve) => server.close(resolve))
  })
  return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/oauth2/userinfo`)
}

function clientFor (url: URL, timeoutMs: number, maxBodyBytes?: number) {
  const outcomes: string[] = []
  const client = createProviderClient({
    authorizeUrl: url,
    tokenUrl: url,
    userinfoUrl: url,
    topupUrl: url,
    appsUrl: url,
    clientId: 'c',
    clientSecret: 's',
    redirectUri: 'http://localhost/cb',
    scope: 'profile',
    autoAuthorize: true,
    timeoutMs,
    maxBodyBytes,
    onCall: (_endpoint, _ms, outcome) => { outcomes.push(outcome) }
  })
  return { client, outcomes }
}

t.test('a body trickling forever ends at the overall deadline', async (t) => {
  const url = await trickleServer(t, ' ', 20)
  const { client, outcomes } = clientFor(url, 300)
  t.teardown(() => client.close())
  await t.rejects(client.userinfo('at'), { code: 'AAP_ERR_PROVIDER_TIMEOUT', endpoint: 'userinfo' })
  t.same(outcomes, ['timeout'])
})

t.test('a body without Content-Length is cut at the cap while streaming', async (t) => {
  const url = await trickleServer(t, ' '.repeat(16 * 1024), 1)
  const { client, outcomes } = clientFor(url, 10_000, 64 * 1024)
  t.teardown(() => client.close())
  await t.rejects(client.userinfo('at'), { code: 'AAP_ERR_PROVIDER_BAD_RESPONSE', reason: 'body too large' })
  t.same(outcomes, ['bad_response'])
})
