// A provider that quotes what it was sent in error_description must not carry a secret into
// the error (and so into logs); the RFC 6749 code and status stay for branching.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { createProviderClient } from '../../src/provider/client.js'
import { leaks } from './harness.js'

t.test('an echoed secret is dropped from errorDescription', async (t) => {
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => { body += c.toString() })
    req.on('end', () => {
      const form = new URLSearchParams(body)
      res.writeHead(400, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ error: 'invalid_request', error_description: `bad: ${form.get('refresh_token') ?? ''}` }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => server.close(resolve)))
  const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/token`)
  const client = createProviderClient({
    authorizeUrl: url,
    tokenUrl: url,
    userinfoUrl: url,
    topupUrl: url,
    appsUrl: url,
    clientId: 'c',
    clientSecret: 'client-secret-1',
    redirectUri: 'http://localhost/cb',
    scope: 'profile',
    autoAuthorize: true,
    timeoutMs: 5000
  })
  t.teardown(() => client.close())
  const err = await client.refresh('refresh-secret-1').then(() => undefined, (e: unknown) => e)
  t.match(err, { code: 'AAP_ERR_PROVIDER_REJECTED', endpoint: 'refresh', status: 400, error: 'invalid_request', errorDescription: undefined })
  t.same(leaks(err, ['refresh-secret-1', 'client-secret-1']), [])
})
