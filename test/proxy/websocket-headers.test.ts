// What a websocket upgrade forwards of the client's headers (src/proxy/upstream-headers.ts): the
// app's own headers, never the handshake headers ws writes itself, hop-by-hop headers, or the
// names a client lists in Connection (which could otherwise name a header the proxy adds).
import t from 'tap'
import { websocketRequestHeaders } from '../../src/proxy/upstream-headers.js'

t.test('the app\'s headers pass; handshake, hop-by-hop and Connection-listed ones do not', async (t) => {
  const out = websocketRequestHeaders({
    host: 'proxy.example',
    connection: 'Upgrade, X-App-Hidden,  keep-alive',
    upgrade: 'websocket',
    'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
    'sec-websocket-version': '13',
    'sec-websocket-extensions': 'permessage-deflate',
    'sec-websocket-protocol': 'chat',
    'keep-alive': 'timeout=5',
    'proxy-connection': 'keep-alive',
    te: 'trailers',
    'x-app-hidden': 'gone',
    'user-agent': 'ua/1',
    'accept-language': 'zh-CN',
    authorization: 'Bearer app',
    origin: 'https://app.example',
    cookie: 'theme=dark',
    'x-forwarded-for': '203.0.113.7'
  })
  t.same(out, {
    'user-agent': 'ua/1',
    'accept-language': 'zh-CN',
    authorization: 'Bearer app',
    origin: 'https://app.example',
    cookie: 'theme=dark',
    'x-forwarded-for': '203.0.113.7'
  })
})

t.test('the input is not changed', async (t) => {
  const input = { connection: 'upgrade', 'user-agent': 'ua' }
  websocketRequestHeaders(input)
  t.same(input, { connection: 'upgrade', 'user-agent': 'ua' })
})
