import t from 'tap'
import { startDemoUpstream } from './start.js'

t.test('/headers reflects what the upstream received', async (t) => {
  const { client } = await startDemoUpstream(t)
  const res = await client.request({
    path: '/headers',
    method: 'GET',
    headers: { 'x-demo': 'hello', 'x-user-id': '42' }
  })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^application\/json/)
  const body = await res.body.json() as Record<string, string>
  t.equal(body['x-demo'], 'hello')
  t.equal(body['x-user-id'], '42')
  t.equal(body.host?.startsWith('127.0.0.1:'), true)
})

t.test('the page shows identity headers raw and decoded, escaped', async (t) => {
  const { client } = await startDemoUpstream(t)
  const res = await client.request({
    path: '/',
    method: 'GET',
    headers: {
      'x-user-id': '42',
      // Percent-encoded markup: decoding must not turn it into live HTML.
      'x-user-name': '%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E',
      'x-user-email': 'caf%C3%A9%40example.com',
      'x-user-balance': '%E0%A4%A',
      // Raw markup in a header value is legal HTTP.
      'x-evil': '"><script>alert(2)</script><img src=x onerror=alert(3)>',
      "x-quote'": "' onmouseover='alert(4)"
    }
  })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'text/html; charset=utf-8')
  t.match(res.headers['content-security-policy'], /default-src 'none'; script-src 'self'/)
  // no-referrer would make the sign-out form POST with `Origin: null` (Fetch).
  t.equal(res.headers['referrer-policy'], 'same-origin')
  const html = await res.body.text()

  t.equal(html.match(/<script/g)?.length, 1, 'only the same-origin app.js script element')
  t.ok(html.includes('<script src="/app.js" defer></script>'))
  t.notMatch(html, /<img/)
  t.notOk(html.includes("' onmouseover"), 'no attribute breakout')
  t.ok(html.includes('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;'), 'decoded name shown escaped')
  t.ok(html.includes('%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E'), 'raw name shown')
  t.ok(html.includes('café@example.com'), 'email decoded')
  t.ok(html.includes('(not valid percent-encoding)'), 'malformed encoding flagged, not thrown')
  t.ok(html.includes('&lt;img src=x onerror=alert(3)&gt;'), 'other headers listed escaped')
  t.match(html, /<tr class="identity"><th>x-user-id<\/th><td><code>42<\/code><\/td><td>42<\/td><\/tr>/)
  t.match(html, /<th>x-user-quota<\/th><td class="missing"/, 'absent identity header marked')

  for (const href of ['/oauth2/userinfo', '/oauth2/userinfo?refresh=1', '/oauth2/topup', '/events']) {
    t.ok(html.includes(`href="${href}"`), href)
  }
  t.ok(html.includes('<form method="post" action="/oauth2/sign_out">'), 'sign-out is a POST form')
})

t.test('the page says so when no identity arrived', async (t) => {
  const { client } = await startDemoUpstream(t)
  const html = await (await client.request({ path: '/', method: 'GET' })).body.text()
  t.ok(html.includes('No identity headers arrived'))
})

t.test('the page assets are served from the same origin', async (t) => {
  const { client } = await startDemoUpstream(t)
  const js = await client.request({ path: '/app.js', method: 'GET' })
  t.equal(js.statusCode, 200)
  t.match(js.headers['content-type'], /^text\/javascript/)
  t.match(await js.body.text(), /new EventSource/)
  const css = await client.request({ path: '/app.css', method: 'GET' })
  t.match(css.headers['content-type'], /^text\/css/)
  await css.body.dump()
})
