// The body cap: an oversized answer is refused while reading, never buffered whole.
import t from 'tap'
import { readBoundedBody } from '../../src/provider/read-body.js'

const BAD = 'AAP_ERR_PROVIDER_BAD_RESPONSE'

async function * chunks (...parts: Array<string | Uint8Array>): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield typeof p === 'string' ? Buffer.from(p) : p
}

t.test('reads a body under the cap, multi-byte characters split across chunks', async (t) => {
  const bytes = Buffer.from('{"name":"张三"}')
  t.equal(await readBoundedBody(chunks(bytes.subarray(0, 10), bytes.subarray(10)), 1024, 'userinfo'), '{"name":"张三"}')
  t.equal(await readBoundedBody(chunks(), 1024, 'token'), '')
  t.equal(await readBoundedBody(chunks('x'.repeat(16)), 16, 'token'), 'x'.repeat(16), 'exactly the cap is allowed')
})

t.test('an endless body stops at the cap and the source is released', async (t) => {
  let pulled = 0
  let released = false
  async function * endless (): AsyncGenerator<Uint8Array> {
    try {
      for (;;) { pulled++; yield Buffer.alloc(64 * 1024, 0x20) }
    } finally {
      released = true
    }
  }
  await t.rejects(readBoundedBody(endless(), 1024 * 1024, 'token'), { code: BAD, endpoint: 'token', reason: 'body too large' })
  t.equal(pulled, 17, 'stopped at the first chunk past 1 MiB')
  t.ok(released)
})

t.test('invalid UTF-8 is a bad response', async (t) => {
  await t.rejects(readBoundedBody(chunks(Buffer.from([0x7b, 0xff, 0x7d])), 1024, 'topup'), { code: BAD, endpoint: 'topup' })
})
