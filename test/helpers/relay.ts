// A TCP relay in front of a server, to take it off the network and bring it back on the same
// port: from the proxy's side the provider's process stopped (connections refused, open ones
// reset) and started again, while the server behind keeps its state (its tokens and grants).
import { createServer, connect, type Server, type Socket } from 'node:net'
import type { Test } from 'tap'

export interface Relay {
  url: string
  stop (): Promise<void>
  start (): Promise<void>
}

export async function startRelay (t: Test, targetPort: number): Promise<Relay> {
  const sockets = new Set<Socket>()
  let server: Server | undefined
  let port = 0

  async function start (): Promise<void> {
    const next = createServer((client) => {
      const target = connect(targetPort, '127.0.0.1')
      for (const s of [client, target]) {
        sockets.add(s)
        s.on('close', () => sockets.delete(s))
        s.on('error', () => { client.destroy(); target.destroy() })
      }
      client.pipe(target).pipe(client)
    })
    await new Promise<void>((resolve, reject) => {
      next.once('error', reject)
      next.listen(port, '127.0.0.1', () => resolve())
    })
    port = (next.address() as { port: number }).port
    server = next
  }

  async function stop (): Promise<void> {
    const current = server
    server = undefined
    if (current === undefined) return
    for (const s of sockets) s.destroy()
    await new Promise<void>((resolve) => current.close(() => resolve()))
  }

  await start()
  t.teardown(stop)
  return { url: `http://127.0.0.1:${port}`, stop, start }
}
