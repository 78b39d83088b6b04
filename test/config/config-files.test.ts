import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { parse } from 'yaml'
import { getOption, isOptionName, loadConfig, optionNames } from '../../src/config/index.js'

const root = fileURLToPath(new URL('../../', import.meta.url))

t.test('config/demo.yaml loads as it is', async (t) => {
  const r = loadConfig({ argv: ['--config', 'config/demo.yaml'], env: {}, cwd: root })
  t.same(r.ok ? [] : r.problems, [])
  if (!r.ok) return
  t.equal(r.config.upstream.href, 'http://127.0.0.1:4182/')
  t.equal(r.config.providerUrl.href, 'http://127.0.0.1:4181/')
  t.equal(r.config.clientId, 'demo-client')
  t.equal(r.config.clientSecret, 'demo-secret')
  t.equal(r.config.redirectUrl.href, 'http://localhost:4180/oauth2/callback')
  t.equal(r.config.cookieSecure, false)
  t.equal(r.config.sessionStore, 'memory')
  t.equal(r.config.listen.port, 4180)
})

t.test('config/example.yaml loads once the secrets are supplied', async (t) => {
  const env = { AUTH_PROXY_CLIENT_SECRET: 'example-client-secret', AUTH_PROXY_COOKIE_SECRET: Buffer.alloc(32, 1).toString('base64url') }
  const r = loadConfig({ argv: ['--config', 'config/example.yaml'], env, cwd: root })
  t.same(r.ok ? [] : r.problems, [])
})

t.test('config/example.yaml mentions every option, and each commented value is valid', async (t) => {
  const text = await readFile(new URL('../../config/example.yaml', import.meta.url), 'utf8')
  for (const name of optionNames) t.match(text, new RegExp(`^#? ?${name}:`, 'm'), `${name} is in example.yaml`)
  for (const m of text.matchAll(/^# ([a-zA-Z]+): (.+)$/gm)) {
    const [, name = '', value = ''] = m
    if (!isOptionName(name)) continue
    const parsed = getOption(name).kind.parse(parse(value))
    t.ok(parsed.ok, `${name} example ${value} parses${parsed.ok ? '' : ': ' + parsed.problem}`)
  }
})
