// SPEC §6 with a real nginx in front: auth_request asks <authPrefix>/auth, copies the identity
// headers with auth_request_set, and sends a signed-out user to sign_in with error_page 401.
// The server block below is the README's nginx config with the test's addresses.
import t from 'tap'
import { request } from 'undici'
import { Browser, signIn } from '../helpers/browser.js'
import { startNginx } from '../helpers/nginx.js'
import { startStack } from '../helpers/stack.js'

const IDENTITY = ['id', 'name', 'email', 'balance', 'quota', 'used_quota']

function serverBlock (proxyUrl: string, upstreamUrl: string): string {
  const copy = IDENTITY.map((field) => `      auth_request_set $user_${field} $upstream_http_x_user_${field};
      proxy_set_header X-User-${field.replace('_', '-')} $user_${field};`).join('\n')
  return `
    absolute_redirect off;
    location = /oauth2/auth {
      internal;
      proxy_pass ${proxyUrl};
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
    }
    location /oauth2/ {
      proxy_pass ${proxyUrl};
      proxy_set_header Host $http_host;
    }
    location @signin {
      return 302 /oauth2/sign_in?rd=$request_uri;
    }
    location / {
      auth_request /oauth2/auth;
      error_page 401 = @signin;
${copy}
      proxy_pass ${upstreamUrl};
    }
`
}

t.test('nginx auth_request in front of the upstream', async (t) => {
  const stack = await startStack(t)
  const nginx = await startNginx(t, serverBlock(stack.proxyUrl, stack.upstreamUrl))
  const browser = new Browser()

  const signedOut = await browser.fetch(`${nginx.url}/headers`)
  if (signedOut.status !== 302) t.comment(await nginx.errorLog())
  t.equal(signedOut.status, 302, 'signed out: nginx redirects')
  t.equal(signedOut.headers.location, '/oauth2/sign_in?rd=/headers', 'to sign_in, with the original path')
  const page = await browser.fetch(signedOut.location ?? '')
  t.equal(page.status, 200, 'the sign-in page comes from the proxy, through nginx')
  t.match(String(page.headers['content-type']), /text\/html/)
  const api = await request(`${nginx.url}/headers`, { headers: { accept: 'application/json' } })
  await api.body.dump()
  t.equal(api.statusCode, 302, 'an API client too: nginx decides what a 401 becomes')

  await signIn(browser, stack.proxyUrl)
  const cookie = [...browser.cookies(stack.proxyUrl)].map(([k, v]) => `${k}=${v}`).join('; ')
  const res = await request(`${nginx.url}/headers?x=1`, {
    headers: { cookie, accept: 'application/json', 'x-user-id': '1', 'x-user-balance': '999999.00' }
  })
  t.equal(res.statusCode, 200, 'signed in: nginx lets the request through')
  const seen = await res.body.json() as Record<string, string>
  t.equal(seen['x-user-id'], '1001', 'the upstream gets X-User-Id from the auth answer, not the client')
  t.equal(seen['x-user-balance'], '15.00', 'and X-User-Balance')
  t.equal(seen['x-user-name'], 'alice')
  t.equal(seen['x-user-email'], 'alice@example.com')
  t.equal(seen['x-user-quota'], '10000000')
  t.equal(seen['x-user-used-quota'], '2500000')

  const out = await request(`${stack.proxyUrl}/oauth2/sign_out`, { method: 'POST', headers: { cookie, origin: stack.proxyUrl } })
  await out.body.dump()
  t.equal(out.statusCode, 302, 'signed out at the proxy')
  const after = await request(`${nginx.url}/headers`, { headers: { cookie, accept: 'text/html' } })
  await after.body.dump()
  t.equal(after.statusCode, 302, 'the same cookie is refused by nginx at once')
  t.equal(after.headers.location, '/oauth2/sign_in?rd=/headers')
})
