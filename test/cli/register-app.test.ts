import { randomUUID } from 'node:crypto'
import Fastify from 'fastify'
import { pino } from 'pino'
import t, { type Test } from 'tap'
import { parse } from 'yaml'
import { buildApp } from '../../src/app.js'
import { resolveConfig } from '../../src/config/index.js'
import { buildDemoUpstream } from '../../src/demo/upstream.js'
import { createMemoryStore } from '../../src/session/memory-store.js'
import { buildSimulator, type Simulator } from '../../src/simulator/app.js'
import { Browser, signIn } from '../helpers/browser.js'
import { COOKIE_SECRET } from '../helpers/stack.js'
import { freePort } from '../session/redis-helpers.js'
import { run } from './capture.js'

const DEV_TOKEN = 'dev-token'
const REDIRECT = 'https://app.example.com/oauth2/callback'

async function startSimulator (t: Test): Promise<{ sim: Simulator, url: string }> {
  const sim = await buildSimulator()
  const url = await sim.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => sim.close())
  return { sim, url }
}

function envLines (stdout: string): Record<string, string> {
  const lines = stdout.trimEnd().split('\n')
  return Object.fromEntries(lines.map((line) => {
    const eq = line.indexOf('=')
    return [line.slice(0, eq), line.slice(eq + 1)]
  }))
}

t.test('--output env (default): three AUTH_PROXY_* lines naming the client the simulator created', async (t) => {
  const { sim, url } = await startSimulator(t)
  const r = await run(['register-app', '--developer-token', DEV_TOKEN, '--name', '我的应用', '--description', 'docs', '--redirect-uri', REDIRECT, '--provider-url', url])
  t.equal(r.code, 0, r.stderr)
  t.equal(r.stderr, '')
  const env = envLines(r.stdout)
  t.same(Object.keys(env), ['AUTH_PROXY_CLIENT_ID', 'AUTH_PROXY_CLIENT_SECRET', 'AUTH_PROXY_REDIRECT_URL'])
  const client = sim.state.clients.get(env.AUTH_PROXY_CLIENT_ID ?? '')
  t.ok(client, 'the client exists at the provider')
  t.equal(client?.client_secret, env.AUTH_PROXY_CLIENT_SECRET)
  t.equal(client?.redirect_uri, REDIRECT)
  t.equal(env.AUTH_PROXY_REDIRECT_URL, REDIRECT)
  t.equal(client?.name, '我的应用')
  t.equal(sim.state.calls.apps, 1)
})

t.test('--output json, token and provider from the environment', async (t) => {
  const { sim, url } = await startSimulator(t)
  const r = await run(['register-app', '--name', 'Json app', '--redirect-uri', REDIRECT, '--output', 'json'],
    { AUTH_PROXY_DEVELOPER_TOKEN: DEV_TOKEN, AUTH_PROXY_PROVIDER_URL: url })
  t.equal(r.code, 0, r.stderr)
  const printed = JSON.parse(r.stdout) as Record<string, unknown>
  t.same(Object.keys(printed).sort(), ['client_id', 'client_secret', 'id', 'name', 'redirect_uri'])
  const client = sim.state.clients.get(String(printed.client_id))
  t.equal(client?.client_secret, printed.client_secret)
  t.equal(client?.id, printed.id)
  t.equal(printed.name, 'Json app')
  t.equal(printed.redirect_uri, REDIRECT)
})

t.test('--output secret: a Kubernetes Secret manifest, token from a mounted file', async (t) => {
  const { sim, url } = await startSimulator(t)
  const dir = t.testdir({ token: `${DEV_TOKEN}\n` })
  const env = { AUTH_PROXY_DEVELOPER_TOKEN_FILE: 'token', AUTH_PROXY_APPS_URL: `${url}/api/oauth_apps` }
  const r = await run(['register-app', '--name', 'k8s', '--redirect-uri', REDIRECT, '--output', 'secret', '--namespace', 'apps', '--secret-name', 'my-app-auth'], env, { cwd: dir })
  t.equal(r.code, 0, r.stderr)
  const manifest = parse(r.stdout) as { apiVersion: string, kind: string, type: string, metadata: Record<string, string>, stringData: Record<string, string> }
  t.equal(manifest.apiVersion, 'v1')
  t.equal(manifest.kind, 'Secret')
  t.equal(manifest.type, 'Opaque')
  t.same(manifest.metadata, { name: 'my-app-auth', namespace: 'apps' })
  t.same(Object.keys(manifest.stringData), ['AUTH_PROXY_CLIENT_ID', 'AUTH_PROXY_CLIENT_SECRET', 'AUTH_PROXY_REDIRECT_URL'])
  const client = sim.state.clients.get(manifest.stringData.AUTH_PROXY_CLIENT_ID ?? '')
  t.equal(client?.client_secret, manifest.stringData.AUTH_PROXY_CLIENT_SECRET)
  t.equal(manifest.stringData.AUTH_PROXY_REDIRECT_URL, REDIRECT)

  const plain = await run(['register-app', '--developer-token', DEV_TOKEN, '--name', 'k8s', '--redirect-uri', REDIRECT, '--output', 'secret', '--provider-url', url])
  t.same((parse(plain.stdout) as { metadata: unknown }).metadata, { name: 'aihubmix-auth-proxy' }, 'default name, no namespace')
})

t.test('a bad developer token: exit 1, one line on stderr, never the token', async (t) => {
  const { sim, url } = await startSimulator(t)
  const token = `wrong-${randomUUID()}`
  const before = sim.state.clients.size
  const r = await run(['register-app', '--developer-token', token, '--name', 'x', '--redirect-uri', REDIRECT, '--provider-url', url])
  t.equal(r.code, 1)
  t.equal(r.stdout, '')
  t.equal(r.stderr, 'register-app: AIHubMix refused the developer token (HTTP 401: invalid developer token); check it\n')
  t.notMatch(r.stderr, token)
  t.equal(sim.state.clients.size, before, 'no app created')
})

t.test('a provider that echoes the token back never gets it printed', async (t) => {
  const token = `echoed-${randomUUID()}`
  const provider = Fastify()
  provider.post('/api/oauth_apps', async (request, reply) => reply.code(401).send({ success: false, message: `token ${String(request.headers.authorization)} is not valid` }))
  const url = await provider.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => provider.close())
  const r = await run(['register-app', '--name', 'x', '--redirect-uri', REDIRECT, '--provider-url', url], { AUTH_PROXY_DEVELOPER_TOKEN: token })
  t.equal(r.code, 1)
  t.match(r.stderr, /^register-app: AIHubMix refused the developer token \(HTTP 401\)/)
  t.notMatch(r.stderr, token)
})

t.test('a refused registration, an outage, a timeout and no provider at all: exit 1 with a reason', async (t) => {
  const { sim, url } = await startSimulator(t)
  const args = ['register-app', '--developer-token', DEV_TOKEN, '--name', 'x', '--redirect-uri', REDIRECT, '--provider-url', url]

  sim.state.setFault({ endpoint: 'apps', mode: 'status', status: 400, times: 1 })
  const refused = await run(args)
  t.equal(refused.code, 1)
  t.match(refused.stderr, /^register-app: AIHubMix refused the registration \(HTTP 400: .+\); check --name and --redirect-uri\n$/)

  sim.state.setFault({ endpoint: 'apps', mode: 'status', status: 503, times: 1 })
  const down = await run(args)
  t.equal(down.code, 1)
  t.match(down.stderr, /^register-app: AIHubMix failed \(HTTP 503/)

  sim.state.setFault({ endpoint: 'apps', mode: 'no-headers', times: 1 })
  const started = Date.now()
  const slow = await run([...args, '--provider-timeout', '1s'])
  t.equal(slow.code, 1)
  t.ok(Date.now() - started < 5_000, '--provider-timeout bounds the call')
  t.equal(slow.stderr, `register-app: AIHubMix did not answer within 1s at ${url}/api/oauth_apps\n`)

  sim.state.setFault({ endpoint: 'apps', mode: 'html', times: 1 })
  const html = await run(args)
  t.equal(html.code, 1)
  t.match(html.stderr, /^register-app: AIHubMix answered with an invalid response \(content type is not JSON/)

  const port = await freePort()
  const nobody = await run(['register-app', '--developer-token', DEV_TOKEN, '--name', 'x', '--redirect-uri', REDIRECT, '--provider-url', `http://127.0.0.1:${port}`])
  t.equal(nobody.code, 1)
  t.equal(nobody.stderr, `register-app: cannot reach AIHubMix at http://127.0.0.1:${port}/api/oauth_apps (ECONNREFUSED)\n`)
  for (const r of [refused, down, slow, html, nobody]) {
    t.equal(r.stdout, '')
    t.notMatch(r.stderr, DEV_TOKEN)
  }
})

t.test('usage errors exit 2 before any call, naming every problem but never the token', async (t) => {
  const { sim, url } = await startSimulator(t)
  const missing = await run(['register-app'])
  t.equal(missing.code, 2)
  t.match(missing.stderr, 'a developer token is required: --developer-token, AUTH_PROXY_DEVELOPER_TOKEN or AUTH_PROXY_DEVELOPER_TOKEN_FILE')
  t.match(missing.stderr, '--name is required')
  t.match(missing.stderr, '--redirect-uri is required')

  const stray = await run(['register-app', 'sekrit-token-123', '--name', 'x', '--redirect-uri', REDIRECT, '--provider-url', url])
  t.equal(stray.code, 2)
  t.notMatch(stray.stderr, 'sekrit-token-123', 'a token typed without its flag is not echoed')
  t.match(stray.stderr, 'unexpected argument')

  const bad = await run(['register-app', '--developer-token', DEV_TOKEN, '--name', 'x', '--redirect-uri', 'ftp://app.example.com/cb',
    '--output', 'yaml', '--namespace', 'Not_Valid', '--provider-url', 'nope', '--provider-timeout', 'soon'])
  t.equal(bad.code, 2)
  for (const word of ['--redirect-uri:', '--output "yaml"', '--secret-name and --namespace apply to --output secret only', '--namespace "Not_Valid"', '--provider-url:', '--provider-timeout:']) {
    t.match(bad.stderr, word)
  }
  const typo = await run(['register-app', '--developer-tokn', DEV_TOKEN, '--name', 'x', '--redirect-uri', REDIRECT])
  t.equal(typo.code, 2)
  t.match(typo.stderr, 'unknown flag --developer-tokn (did you mean --developer-token?)')

  const dir = t.testdir({ token: DEV_TOKEN })
  const both = await run(['register-app', '--name', 'x', '--redirect-uri', REDIRECT], { AUTH_PROXY_DEVELOPER_TOKEN: DEV_TOKEN, AUTH_PROXY_DEVELOPER_TOKEN_FILE: 'token' }, { cwd: dir })
  t.equal(both.code, 2)
  t.match(both.stderr, 'AUTH_PROXY_DEVELOPER_TOKEN and AUTH_PROXY_DEVELOPER_TOKEN_FILE are both set')
  const unreadable = await run(['register-app', '--name', 'x', '--redirect-uri', REDIRECT], { AUTH_PROXY_DEVELOPER_TOKEN_FILE: 'absent' }, { cwd: dir })
  t.equal(unreadable.code, 2)
  t.match(unreadable.stderr, 'AUTH_PROXY_DEVELOPER_TOKEN_FILE: cannot read "absent" (ENOENT)')
  for (const r of [missing, stray, bad, typo, both, unreadable]) {
    t.equal(r.stdout, '')
    t.notMatch(r.stderr, DEV_TOKEN)
  }
  t.equal(sim.state.calls.apps, 0, 'AIHubMix was never called')
})

t.test('--help', async (t) => {
  const r = await run(['register-app', '--help'])
  t.equal(r.code, 0)
  t.match(r.stdout, /^Usage: aihubmix-auth-proxy register-app --developer-token T --name N --redirect-uri U/)
  t.match(r.stdout, 'AUTH_PROXY_DEVELOPER_TOKEN_FILE')
})

// Issue 7 acceptance: the printed credentials are all a proxy needs to sign a user in.
t.test('register-app creates an app in the simulator and the printed credentials complete a login', async (t) => {
  const { url } = await startSimulator(t)
  const port = await freePort()
  const proxyUrl = `http://127.0.0.1:${port}`
  const r = await run(['register-app', '--developer-token', DEV_TOKEN, '--name', 'Acceptance', '--redirect-uri', `${proxyUrl}/oauth2/callback`, '--provider-url', url])
  t.equal(r.code, 0, r.stderr)
  const env = envLines(r.stdout)

  const upstream = await buildDemoUpstream()
  const upstreamUrl = await upstream.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => upstream.close())
  const resolved = resolveConfig({
    upstream: upstreamUrl,
    listen: `127.0.0.1:${port}`,
    metricsListen: '',
    providerUrl: url,
    clientId: env.AUTH_PROXY_CLIENT_ID,
    clientSecret: env.AUTH_PROXY_CLIENT_SECRET,
    redirectUrl: env.AUTH_PROXY_REDIRECT_URL,
    cookieSecure: false,
    cookieSecret: COOKIE_SECRET
  })
  if (!resolved.ok) throw new Error(resolved.problems.join('\n'))
  const store = createMemoryStore({ now: Date.now })
  const proxy = await buildApp(resolved.config, { store, logger: pino({ level: 'silent' }) })
  await proxy.listen({ port, host: '127.0.0.1' })
  t.teardown(async () => {
    await proxy.close()
    await store.close()
  })

  const browser = new Browser()
  const callback = await signIn(browser, proxyUrl)
  t.equal(callback.status, 302, 'the callback accepted the code for the new client')
  const page = await browser.fetch(`${proxyUrl}/headers`, { headers: { accept: 'application/json' } })
  t.equal(page.status, 200)
  t.equal((JSON.parse(page.body) as Record<string, string>)['x-user-id'], '1001')
})
