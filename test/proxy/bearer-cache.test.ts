// The allowBearer token cache (src/session/bearer.ts): bounded, single-flight, and never
// remembering a failure as a success. The provider is a function here because what is under
// test is the cache's bookkeeping; the end-to-end suite (test/e2e/bearer.test.ts) runs it
// against the simulator over real sockets.
import type { FastifyBaseLogger } from 'fastify'
import { pino } from 'pino'
import t from 'tap'
import { createProviderError } from '../../src/provider/failure.js'
import type { UserInfo } from '../../src/provider/responses.js'
import { createBearerValidator, readBearerToken, type BearerLookup } from '../../src/session/bearer.js'

const log = pino({ level: 'silent' }) as unknown as FastifyBaseLogger

interface Fake {
  calls: string[]
  userinfo: (token: string) => Promise<UserInfo>
}

// Tokens named 'dead*' are refused (401), 'down*' fail as a network error; the rest are user 7.
function fakeProvider (gate?: Promise<void>): Fake {
  const fake: Fake = {
    calls: [],
    async userinfo (token) {
      fake.calls.push(token)
      await gate
      if (token.startsWith('dead')) throw createProviderError('grant_invalid', 'userinfo', { status: 401 })
      if (token.startsWith('down')) throw createProviderError('unavailable', 'userinfo')
      return { id: 7, username: 'u', status: 1 }
    }
  }
  return fake
}

function stateOf (lookup: BearerLookup): string {
  return lookup.state === 'none' ? 'invalid' : lookup.state
}

t.test('readBearerToken takes only the Bearer scheme, case-insensitively', async (t) => {
  t.equal(readBearerToken('Bearer abc'), 'abc')
  t.equal(readBearerToken('bEaReR abc'), 'abc')
  t.equal(readBearerToken('Bearer  abc '), 'abc')
  t.equal(readBearerToken(undefined), undefined)
  t.equal(readBearerToken('Bearer '), undefined)
  t.equal(readBearerToken('Bearer'), undefined)
  t.equal(readBearerToken('Basic YTpi'), undefined)
  t.equal(readBearerToken('Bearerabc'), undefined)
})

t.test('concurrent validations of one token make one call; the answer is cached for the TTL', async (t) => {
  let open!: () => void
  const fake = fakeProvider(new Promise((resolve) => { open = resolve }))
  let clock = 0
  const v = createBearerValidator({ userinfo: fake.userinfo, now: () => clock, ttlMs: 1000 })
  const pending = Array.from({ length: 10 }, () => v.validate('tok', log))
  open()
  const answers = await Promise.all(pending)
  t.same(answers.map(stateOf), Array(10).fill('bearer'))
  t.match(answers[0], { session: { userId: '7', tokens: { accessToken: 'tok' } } })
  t.equal(fake.calls.length, 1)
  clock = 999
  await v.validate('tok', log)
  t.equal(fake.calls.length, 1, 'still fresh')
  clock = 1000
  await v.validate('tok', log)
  t.equal(fake.calls.length, 2, 'expired: asked again')
})

t.test('a refusal is remembered as a refusal; an outage is not remembered at all', async (t) => {
  const fake = fakeProvider()
  const v = createBearerValidator({ userinfo: fake.userinfo, now: () => 0, ttlMs: 1000 })
  t.equal(stateOf(await v.validate('dead1', log)), 'invalid')
  t.equal(stateOf(await v.validate('dead1', log)), 'invalid')
  t.equal(fake.calls.length, 1)
  t.match(await v.validate('down1', log), { state: 'unavailable', cause: 'provider', retryAfterSeconds: Number })
  t.match(await v.validate('down1', log), { state: 'unavailable' })
  t.equal(fake.calls.length, 3, 'each request after an outage asks again')
})

t.test('a value that cannot be a bearer token is refused without a call', async (t) => {
  const fake = fakeProvider()
  const v = createBearerValidator({ userinfo: fake.userinfo, now: () => 0, ttlMs: 1000 })
  for (const token of ['a b', 'a,b', 'a"b', '=abc', 'x'.repeat(4097)]) {
    t.equal(stateOf(await v.validate(token, log)), 'invalid', token.slice(0, 10))
  }
  t.equal(stateOf(await v.validate('A-z0.9_~+/==', log)), 'bearer', 'the whole RFC 6750 b64token alphabet')
  t.equal(fake.calls.length, 1)
})

t.test('the cache holds at most maxEntries tokens: the oldest goes first', async (t) => {
  const fake = fakeProvider()
  const v = createBearerValidator({ userinfo: fake.userinfo, now: () => 0, ttlMs: 60_000, maxEntries: 3 })
  for (const token of ['t1', 't2', 't3', 't4']) await v.validate(token, log)
  t.equal(fake.calls.length, 4)
  await v.validate('t4', log)
  await v.validate('t2', log)
  t.equal(fake.calls.length, 4, 't2..t4 are still cached')
  await v.validate('t1', log)
  t.equal(fake.calls.length, 5, 't1 was evicted')
  // A flood of random tokens never grows the cache past its bound: t1 pushed t2 out, and so on.
  for (let i = 0; i < 1000; i++) await v.validate(`flood${i}`, log)
  const before = fake.calls.length
  await v.validate('flood999', log)
  await v.validate('flood998', log)
  await v.validate('flood997', log)
  t.equal(fake.calls.length, before, 'the last three are cached')
  await v.validate('flood996', log)
  t.equal(fake.calls.length, before + 1)
})

t.test('past maxInflight distinct tokens being checked, the answer is 503 without a call', async (t) => {
  let open!: () => void
  const fake = fakeProvider(new Promise((resolve) => { open = resolve }))
  const v = createBearerValidator({ userinfo: fake.userinfo, now: () => 0, ttlMs: 1000, maxInflight: 2 })
  const first = v.validate('a1', log)
  const second = v.validate('a2', log)
  const sameAsFirst = v.validate('a1', log)
  t.match(await v.validate('a3', log), { state: 'unavailable' })
  t.equal(fake.calls.length, 2)
  open()
  t.same((await Promise.all([first, second, sameAsFirst])).map(stateOf), ['bearer', 'bearer', 'bearer'])
  t.equal(stateOf(await v.validate('a3', log)), 'bearer', 'room again once the calls ended')
})
