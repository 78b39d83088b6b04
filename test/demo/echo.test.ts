import { randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'
import t from 'tap'
import { startDemoUpstream } from './start.js'

t.test('/echo returns the body with its content type', async (t) => {
  const { client } = await startDemoUpstream(t)
  const cases: Array<[string, Buffer]> = [
    ['application/x-custom', randomBytes(1024 * 1024)],
    ['application/json', Buffer.from('{"not":"parsed", ')],
    ['text/plain; charset=utf-8', Buffer.from('héllo 你好')],
    ['multipart/form-data; boundary=x', Buffer.from('--x\r\n\r\nv\r\n--x--\r\n')]
  ]
  for (const [type, body] of cases) {
    const res = await client.request({ path: '/echo', method: 'POST', headers: { 'content-type': type }, body })
    t.equal(res.statusCode, 200, type)
    t.equal(res.headers['content-type'], type)
    t.ok(Buffer.from(await res.body.arrayBuffer()).equals(body), `${type} round-trips`)
  }
})

t.test('/echo streams a chunked upload back', async (t) => {
  const { client } = await startDemoUpstream(t)
  const parts = Array.from({ length: 64 }, () => randomBytes(16 * 1024))
  const res = await client.request({
    path: '/echo',
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream' },
    body: Readable.from(parts)
  })
  t.equal(res.statusCode, 200)
  t.ok(Buffer.from(await res.body.arrayBuffer()).equals(Buffer.concat(parts)))
})

t.test('/echo without a content type answers octet-stream', async (t) => {
  const { client } = await startDemoUpstream(t)
  const res = await client.request({ path: '/echo', method: 'POST', body: 'raw' })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'application/octet-stream')
  t.equal(await res.body.text(), 'raw')
})
