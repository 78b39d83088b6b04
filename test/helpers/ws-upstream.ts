// A websocket echo server as the proxy's upstream (SPEC §5 websockets), on port 0. It records
// each upgrade request it accepted, so a test sees exactly which headers crossed the proxy.
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { Test } from 'tap'
import { WebSocketServer } from 'ws'

export interface UpgradeSeen {
  url: string
  headers: IncomingHttpHeaders
}

export interface WsUpstream {
  url: string
  upgrades: UpgradeSeen[]
  // plain HTTP requests (not upgrades) that reached it
  requests: UpgradeSeen[]
}

export async function startWsUpstream (t: Test): Promise<WsUpstream> {
  const upgrades: UpgradeSeen[] = []
  const requests: UpgradeSeen[] = []
  const server = createServer((req, res) => {
    requests.push({ url: req.url ?? '', headers: req.headers })
    res.writeHead(426, { 'content-type': 'text/plain' }).end('websocket only')
  })
  const wss = new WebSocketServer({ server })
  wss.on('connection', (socket, req) => {
    upgrades.push({ url: req.url ?? '', headers: req.headers })
    socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => {
    for (const client of wss.clients) client.terminate()
    wss.close()
    server.closeAllConnections()
    server.close(() => resolve())
  }))
  const { port } = server.address() as { port: number }
  return { url: `http://127.0.0.1:${port}`, upgrades, requests }
}
