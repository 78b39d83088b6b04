// A plain node:http upstream that records every request line it received and answers with it
// as JSON: the witness for "this path never reached the upstream" (SPEC §5 path rule).
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { Test } from 'tap'

export interface RequestSeen {
  method: string
  url: string
  headers: IncomingHttpHeaders
}

export interface RecordingUpstream {
  url: string
  seen: RequestSeen[]
}

export async function startRecordingUpstream (t: Test): Promise<RecordingUpstream> {
  const seen: RequestSeen[] = []
  const server = createServer((req, res) => {
    const entry = { method: req.method ?? '', url: req.url ?? '', headers: req.headers }
    seen.push(entry)
    req.resume()
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(entry)))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => {
    server.closeAllConnections()
    server.close(() => resolve())
  }))
  const { port } = server.address() as { port: number }
  return { url: `http://127.0.0.1:${port}`, seen }
}
