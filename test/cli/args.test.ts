import t from 'tap'
import { didYouMean, hasHelpFlag, parseFlags, suggest, type FlagSpec } from '../../src/cli/args.js'

const specs: FlagSpec[] = [
  { name: 'upstream', type: 'string' },
  { name: 'pkce', type: 'boolean' },
  { name: 'routes', type: 'string', multiple: true },
  { name: 'help', type: 'boolean', short: 'h' }
]

t.test('values, inline values, booleans with and without =value', async (t) => {
  const r = parseFlags(['--upstream', 'http://x', '--pkce=false', '--routes=a', '--routes', 'b', '-h'], specs)
  t.same(r, { ok: true, flags: { upstream: 'http://x', pkce: false, routes: ['a', 'b'], help: true }, positionals: [] })
  t.same(parseFlags(['--pkce'], specs), { ok: true, flags: { pkce: true }, positionals: [] })
  t.same(parseFlags(['--pkce=1'], specs), { ok: true, flags: { pkce: true }, positionals: [] })
  t.same(parseFlags(['--upstream=', '--pkce=0'], specs), { ok: true, flags: { upstream: '', pkce: false }, positionals: [] })
})

t.test('every problem is collected, with did-you-mean', async (t) => {
  const r = parseFlags(['--upstrem', 'http://x', '--pkce=maybe', '--upstream', '--routes', 'a', '--foo', 'stray'], specs)
  t.equal(r.ok, false)
  if (r.ok) return
  // `--foo stray`: an unknown flag takes the value after it, so `stray` is not a second problem
  t.same(r.problems, [
    'unknown flag --upstrem (did you mean --upstream?)',
    'flag --pkce takes true or false, or no value',
    'flag --upstream needs a value',
    'unknown flag --foo'
  ])
  t.same(r.invalid, ['pkce', 'upstream'])
  t.same(r.flags, { routes: ['a'] }, 'what did parse is kept')
})

t.test('a repeated single-value flag is a problem', async (t) => {
  const r = parseFlags(['--upstream', 'a', '--upstream', 'b'], specs)
  t.same(r.ok ? [] : r.problems, ['flag --upstream is given more than once'])
})

t.test('positionals', async (t) => {
  t.same(parseFlags(['x', '--pkce'], specs, true), { ok: true, flags: { pkce: true }, positionals: ['x'] })
  t.same(parseFlags(['--', '--pkce'], specs, true), { ok: true, flags: {}, positionals: ['--pkce'] })
  const r = parseFlags(['x'], specs)
  t.same(r.ok ? [] : r.problems, ['unexpected argument "x"'])
})

t.test('suggestions: typos and other spellings of the same name', async (t) => {
  t.equal(suggest('upstream-timeout', ['upstreamTimeout', 'upstream']), 'upstreamTimeout')
  t.equal(suggest('AUTH_PROXY_COOKIESECRET', ['AUTH_PROXY_COOKIE_SECRET', 'AUTH_PROXY_SCOPE']), 'AUTH_PROXY_COOKIE_SECRET')
  t.equal(suggest('chek-config', ['check-config', 'serve']), 'check-config')
  t.equal(suggest('foo', ['listen', 'upstream']), undefined)
  t.equal(suggest('x', []), undefined)
  t.equal(didYouMean('pcke', ['pkce'], '--'), ' (did you mean --pkce?)')
  t.equal(didYouMean('zzzzzz', ['pkce']), '')
})

t.test('hasHelpFlag stops at --', async (t) => {
  t.ok(hasHelpFlag(['--upstream', 'x', '--help']))
  t.ok(hasHelpFlag(['-h']))
  t.notOk(hasHelpFlag(['--', '--help']))
  t.notOk(hasHelpFlag(['--helpful']))
})
