// `demo` on a port that is taken (another demo still running, say): one plain line naming the
// flag and the address, exit 1, and nothing it started is left listening.
import { createServer, type AddressInfo } from 'node:net'
import t from 'tap'
import { freePort } from '../session/redis-helpers.js'
import { run } from './capture.js'

t.test('a demo port in use exits 1 with one line, and the demo lets go of the ports it took', async (t) => {
  const busy = createServer()
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => busy.close(() => resolve())))
  const taken = (busy.address() as AddressInfo).port
  const [proxyPort, providerPort] = [await freePort(), await freePort()]

  const r = await run(['demo', '--port', String(proxyPort), '--provider-port', String(providerPort), '--upstream-port', String(taken)])
  t.equal(r.code, 1)
  t.equal(r.stderr, `demo: --upstream-port 127.0.0.1:${taken}: the address is already in use (EADDRINUSE); expected a free address and port\n`)

  const again = createServer()
  await new Promise<void>((resolve, reject) => again.once('error', reject).listen(providerPort, '127.0.0.1', resolve))
  await new Promise<void>((resolve) => again.close(() => resolve()))
  t.pass('the simulator\'s port is free again')
})
