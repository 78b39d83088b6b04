import { Client } from 'undici'
import { buildDemoUpstream } from '../../src/demo/upstream.js'

interface Teardown { teardown: (fn: () => unknown) => void }

// A demo upstream on a real socket (port 0) and an undici client bound to it; both closed at
// the end of the test that asked for them.
export async function startDemoUpstream (t: Teardown): Promise<{ client: Client, origin: string }> {
  const app = await buildDemoUpstream()
  const origin = await app.listen({ port: 0, host: '127.0.0.1' })
  const client = new Client(origin)
  t.teardown(async () => {
    await client.close()
    await app.close()
  })
  return { client, origin }
}
