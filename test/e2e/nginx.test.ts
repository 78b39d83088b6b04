// SPEC §6 with a real nginx in front: auth_request asks <authPrefix>/auth, copies the identity
// headers with auth_request_set, and sends a signed-out user to sign_in with error_page 401.
// The config below is the README's nginx example with the test's addresses (plain http, no
// server_name), and the whole login runs through nginx, as a user's browser would.
import { generateKeyPairSync } from 'node:crypto'
import t from 'tap'
import { request } from 'undici'
import { buildSimulator } from '../../src/simulator/app.js'
import { Browser, signIn } from '../helpers/browser.js'
import { startNginx } from '../helpers/nginx.js'
import { startStack } from '../helpers/stack.js'
import { freePort } from '../session/redis-helpers.js'

// The README's `server {}` body, with `your app` at appUrl.
function serverBlock (appUrl: string): string {
  return `
    absolute_redirect off;

    location /oauth2/ {
      proxy_pass http://aihubmix_auth_proxy;
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }

    location ^~ /oauth2/auth {
      internal;
      proxy_pass http://aihubmix_auth_proxy;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
    }

    location @signin {
      return 302 /oauth2/sign_in?rd=$request_uri;
    }

    location / {
      auth_request /oauth2/auth;
      error_page 401 = @signin;

      auth_request_set $user_id         $upstream_http_x_user_id;
      auth_request_set $user_name       $upstream_http_x_user_name;
      auth_request_set $user_email      $upstream_http_x_user_email;
      auth_request_set $user_balance    $upstream_http_x_user_balance;
      auth_request_set $user_quota      $upstream_http_x_user_quota;
      auth_request_set $user_used_quota $upstream_http_x_user_used_quota;
      auth_request_set $auth_assertion  $upstream_http_x_auth_assertion;
      proxy_set_header X-User-Id         $user_id;
      proxy_set_header X-User-Name       $user_name;
      proxy_set_header X-User-Email      $user_email;
      proxy_set_header X-User-Balance    $user_balance;
      proxy_set_header X-User-Quota      $user_quota;
      proxy_set_header X-User-Used-Quota $user_used_quota;
      proxy_set_header X-Auth-Assertion  $auth_assertion;
      proxy_set_header X-Access-Token    "";

      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_pass ${appUrl};
    }
`
}

t.test('nginx auth_request in front of the upstream, the README config', async (t) => {
  // nginx's address is the site's: redirectUrl and the OAuth2 client's redirect_uri name it,
  // so its port is chosen before the proxy starts.
  const nginxPort = await freePort()
  const site = `http://127.0.0.1:${nginxPort}`
  const simulator = await buildSimulator()
  const simulatorUrl = await simulator.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => simulator.close())
  const registered = await request(`${simulatorUrl}/__control/clients`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: 'nginx-site', client_secret: 'test-secret', redirect_uri: `${site}/oauth2/callback` })
  })
  t.equal(registered.statusCode, 200)
  await registered.body.dump()
  const assertionKey = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  // README: trustProxy=127.0.0.1, redirectUrl on the site's own host.
  const stack = await startStack(t, {
    simulator,
    config: { clientId: 'nginx-site', redirectUrl: `${site}/oauth2/callback`, trustProxy: '127.0.0.1', assertionKey }
  })
  const proxyPort = new URL(stack.proxyUrl).port
  const nginx = await startNginx(t, serverBlock(stack.upstreamUrl), {
    port: nginxPort,
    http: `  upstream aihubmix_auth_proxy { server 127.0.0.1:${proxyPort}; }`
  })
  const browser = new Browser()

  const signedOut = await browser.fetch(`${site}/headers`)
  if (signedOut.status !== 302) t.comment(await nginx.errorLog())
  t.equal(signedOut.status, 302, 'signed out: nginx redirects')
  t.equal(signedOut.headers.location, '/oauth2/sign_in?rd=/headers', 'to sign_in, with the original path')
  const page = await browser.fetch(signedOut.location ?? '')
  t.equal(page.status, 200, 'the sign-in page comes from the proxy, through nginx')
  t.match(String(page.headers['content-type']), /text\/html/)
  const api = await request(`${site}/headers`, { headers: { accept: 'application/json' } })
  await api.body.dump()
  t.equal(api.statusCode, 302, 'an API client too: nginx decides what a 401 becomes')

  const back = await signIn(browser, site, undefined, '/headers')
  t.equal(back.status, 302, 'the login runs through nginx')
  t.equal(back.headers.location, '/headers', 'back to the page first asked for, relative')
  const cookie = [...browser.cookies(site)].map(([k, v]) => `${k}=${v}`).join('; ')
  t.match(cookie, '_aihubmix_auth=', 'the session cookie is the site\'s')

  const forged = 'eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.'
  const res = await request(`${site}/headers?x=1`, {
    headers: { cookie, accept: 'application/json', 'x-user-id': '1', 'x-user-balance': '999999.00', 'x-access-token': 'stolen', 'x-auth-assertion': forged }
  })
  t.equal(res.statusCode, 200, 'signed in: nginx lets the request through')
  const seen = await res.body.json() as Record<string, string>
  t.equal(seen['x-user-id'], '1001', 'the upstream gets X-User-Id from the auth answer, not the client')
  t.equal(seen['x-user-balance'], '15.00', 'and X-User-Balance')
  t.equal(seen['x-user-name'], 'alice')
  t.equal(seen['x-user-email'], 'alice@example.com')
  t.equal(seen['x-user-quota'], '10000000')
  t.equal(seen['x-user-used-quota'], '2500000')
  t.not(seen['x-auth-assertion'], forged, 'X-Auth-Assertion is the proxy\'s')
  t.equal(seen['x-auth-assertion']?.split('.').length, 3)
  t.notOk('x-access-token' in seen, 'the client\'s X-Access-Token is dropped')
  t.equal(seen.host, `127.0.0.1:${nginxPort}`, 'Host $http_host keeps the port')

  // `internal`: the check answers nginx only, never a browser (its answer holds the identity).
  for (const path of ['/oauth2/auth', '/oauth2/auth/traefik', '/oauth2/auth/x', '/oauth2/auth?x=1']) {
    const direct = await request(`${site}${path}`, { headers: { cookie } })
    await direct.body.dump()
    t.equal(direct.statusCode, 404, `${path} from outside: 404`)
    t.equal(direct.headers['x-user-id'], undefined, `${path}: no identity`)
  }
  const userinfo = await request(`${site}/oauth2/userinfo`, { headers: { cookie, accept: 'application/json' } })
  t.equal(userinfo.statusCode, 200, 'the proxy\'s own endpoints are served through nginx')
  t.match(await userinfo.body.json(), { id: 1001 })

  const out = await request(`${site}/oauth2/sign_out`, { method: 'POST', headers: { cookie, origin: site } })
  await out.body.dump()
  t.equal(out.statusCode, 302, 'signed out through nginx')
  const after = await request(`${site}/headers`, { headers: { cookie, accept: 'text/html' } })
  await after.body.dump()
  t.equal(after.statusCode, 302, 'the same cookie is refused by nginx at once')
  t.equal(after.headers.location, '/oauth2/sign_in?rd=/headers')
})
