// SPEC §10 redaction, on pino's real output (its sink pattern): error codes stay readable
// (docs/errors.md: logs carry the code in err.code), while tokens, secrets, cookies and
// Authorization are censored at the top of a line and inside the objects a line carries, and no
// query string (the callback's code and state) reaches a line.
import { connect } from 'node:net'
import { Writable } from 'node:stream'
import t from 'tap'
import { buildApp } from '../../src/app.js'
import { StoreUnavailable } from '../../src/errors.js'
import { createLogger } from '../../src/observability/logger.js'
import { createProviderError } from '../../src/provider/failure.js'
import { createMemoryStore } from '../../src/session/memory-store.js'
import { testConfig } from '../helpers/stack.js'
import { freePort } from '../session/redis-helpers.js'

function capture (logLevel = 'info', logFormat: 'json' | 'pretty' = 'json'): { text: () => string, lines: () => Array<Record<string, any>>, logger: ReturnType<typeof createLogger> } {
  const chunks: string[] = []
  const sink = new Writable({ write (chunk, _enc, cb) { chunks.push(String(chunk)); cb() } })
  const logger = createLogger({ logLevel, logFormat }, sink)
  const text = (): string => chunks.join('')
  return { logger, text, lines: () => text().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, any>) }
}

async function refusedConnection (): Promise<NodeJS.ErrnoException> {
  const port = await freePort()
  return new Promise((resolve) => connect(port, '127.0.0.1').once('error', resolve))
}

t.test('error codes are logged as they are', async (t) => {
  const log = capture()
  const refused = await refusedConnection()
  t.equal(refused.code, 'ECONNREFUSED')
  log.logger.warn({ err: refused }, 'session store connection error')
  log.logger.error({ err: createProviderError('grant_invalid', 'refresh', { status: 400, error: 'invalid_grant' }) }, 'refresh refused')
  log.logger.error({ err: new StoreUnavailable({ cause: refused }) }, 'session store unavailable')
  log.logger.info({ event: 'token_refresh', outcome: 'grant_invalid', code: 'AAP_ERR_PROVIDER_GRANT_INVALID' }, 'refresh refused: session ended')

  const [socket, provider, store, refresh] = log.lines()
  t.equal(socket?.err?.code, 'ECONNREFUSED', 'a socket error keeps its code')
  t.equal(provider?.err?.code, 'AAP_ERR_PROVIDER_GRANT_INVALID', 'a provider error keeps its code')
  t.equal(provider?.err?.error, 'invalid_grant', 'and its RFC 6749 error')
  t.equal(store?.err?.code, 'AAP_ERR_STORE_UNAVAILABLE')
  t.equal(refresh?.code, 'AAP_ERR_PROVIDER_GRANT_INVALID', 'a top-level code field too')
  t.notMatch(log.text(), '[redacted]', 'nothing here is a secret')
})

t.test('tokens, secrets, cookies and Authorization are censored, also inside errors and config objects', async (t) => {
  const log = capture('trace')
  const secrets = {
    accessToken: 'secret-access-1',
    refreshToken: 'secret-refresh-2',
    access_token: 'secret-access-3',
    refresh_token: 'secret-refresh-4',
    clientSecret: 'secret-client-5',
    client_secret: 'secret-client-6',
    cookieSecret: 'secret-cookie-7',
    redisPassword: 'secret-redis-8',
    assertionKey: 'secret-pem-9',
    developerToken: 'secret-dev-10',
    codeVerifier: 'secret-verifier-11',
    redisUrl: 'redis://:secret-pw-12@redis:6379'
  }
  const headers = { authorization: 'Bearer secret-bearer-13', cookie: '_aihubmix_auth=secret-cookie-14', 'set-cookie': ['a=secret-set-cookie-15'], 'x-access-token': 'secret-xat-16', accept: 'text/html' }

  // A provider error that picked up a response's fields, and a cause that did too.
  const err = Object.assign(createProviderError('rejected', 'token', { status: 400, error: 'invalid_client' }), { access_token: 'secret-err-17', headers })
  log.logger.error({ err }, 'provider error')
  const outer = Object.assign(new Error('outer'), { code: 'E_OUTER' })
  Object.assign(outer, { cause: { client_secret: 'secret-cause-18', code: 'E_INNER' } })
  log.logger.error({ err: outer }, 'wrapped')
  log.logger.info({ config: secrets }, 'a config object logged whole')
  log.logger.info({ headers }, 'headers')
  log.logger.debug({ ...secrets, token: 'secret-token-19' }, 'top-level fields')
  log.logger.info({ req: { method: 'GET', url: '/x?code=secret-code-20', headers } }, 'request')
  log.logger.info({ options: { clientSecret: 'secret-options-21' }, tokens: { accessToken: 'secret-tokens-22' } }, 'more containers')

  const text = log.text()
  for (const value of text.match(/secret-[a-z-]+\d+/g) ?? []) t.fail(`${value} reached the log`)
  t.notMatch(text, /secret-/, 'no secret value in any line')
  const [provider, wrapped, config, head, top] = log.lines()
  t.equal(provider?.err?.code, 'AAP_ERR_PROVIDER_REJECTED', 'the code stays')
  t.equal(provider?.err?.access_token, '[redacted]')
  t.equal(provider?.err?.headers?.authorization, '[redacted]')
  t.equal(provider?.err?.headers?.accept, 'text/html', 'other headers stay')
  t.equal(wrapped?.err?.code, 'E_OUTER')
  t.same(config?.config, Object.fromEntries(Object.keys(secrets).map((k) => [k, '[redacted]'])), 'every secret option censored')
  t.same(head?.headers, { authorization: '[redacted]', cookie: '[redacted]', 'set-cookie': '[redacted]', 'x-access-token': '[redacted]', accept: 'text/html' })
  t.equal(top?.accessToken, '[redacted]')
  t.equal(top?.token, '[redacted]')
})

t.test('logFormat=pretty writes human-readable lines and censors the same fields', async (t) => {
  const log = capture('info', 'pretty')
  log.logger.info({ event: 'login', outcome: 'ok', userId: '1001' }, 'signed in')
  log.logger.warn({ err: Object.assign(createProviderError('unavailable', 'refresh'), { refresh_token: 'secret-pretty-1' }), config: { clientSecret: 'secret-pretty-2' } }, 'token refresh failed')
  const text = log.text()
  t.match(text, /INFO.*signed in/, 'level and message in words')
  t.match(text, /event: "login"/)
  t.notOk(text.split('\n').some((l) => l.startsWith('{')), 'no JSON lines')
  t.match(text, 'AAP_ERR_PROVIDER_UNAVAILABLE', 'the error code is readable')
  t.notMatch(text, 'secret-pretty', 'no secret')
  t.match(text, '[redacted]')
})

t.test('no query string reaches a line: the callback\'s code and state, an unknown route, a proxied path', async (t) => {
  const log = capture('trace')
  const app = await buildApp(testConfig({ logLevel: 'trace' }), { store: createMemoryStore({ now: Date.now }), logger: log.logger })
  t.teardown(() => app.close())
  const callback = await app.inject({ url: '/oauth2/callback?code=QUERYCODE1&state=QUERYSTATE1', headers: { accept: 'text/html' } })
  t.equal(callback.statusCode, 403, 'no login state: refused')
  const doubled = await app.inject({ url: '/oauth2//callback?code=QUERYCODE2&state=QUERYSTATE2' })
  t.ok(doubled.statusCode >= 300, 'a path that is rewritten')
  const unknown = await app.inject({ method: 'PROPFIND', url: '/dav?code=QUERYCODE3' })
  t.equal(unknown.statusCode, 404, 'a method no route serves')
  await app.inject({ url: '/private?code=QUERYCODE4', headers: { accept: 'application/json' } })

  const text = log.text()
  t.notMatch(text, /QUERY(CODE|STATE)/, 'neither code nor state is logged')
  const lines = log.lines()
  t.ok(lines.some((l) => l.msg === 'route not found' && l.path === '/dav' && l.method === 'PROPFIND'), 'the 404 line names the path only')
  t.ok(lines.some((l) => l.event === 'login' && l.outcome === 'state_mismatch'), 'the refused login is logged')
})
