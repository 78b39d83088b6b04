import t from 'tap'
import fc from 'fast-check'
import { checkAccount, checkBalance, compileAccessPolicy, parseBalance } from '../../src/rules/access.js'

const open = compileAccessPolicy({ allowedUsers: [], allowedEmailDomains: [] })

t.test('status must be exactly 1', async (t) => {
  t.same(checkAccount({ id: 1, status: 1 }, open), { ok: true })
  for (const status of [0, 2, -1, undefined, '1' as unknown as number, true as unknown as number, 1.5]) {
    t.same(checkAccount({ id: 1, status }, open), { ok: false, reason: 'disabled' }, String(status))
  }
  const restricted = compileAccessPolicy({ allowedUsers: ['7'], allowedEmailDomains: [] })
  t.same(checkAccount({ id: 7, status: 2 }, restricted), { ok: false, reason: 'disabled' }, 'disabled wins over allowed')
})

t.test('allow lists', async (t) => {
  const users = compileAccessPolicy({ allowedUsers: [' 42 ', 7], allowedEmailDomains: [] })
  const domains = compileAccessPolicy({ allowedUsers: [], allowedEmailDomains: ['Example.com', ' .corp.example.org '] })
  const both = compileAccessPolicy({ allowedUsers: ['42'], allowedEmailDomains: ['example.com'] })
  const cases: Array<[string, ReturnType<typeof compileAccessPolicy>, Parameters<typeof checkAccount>[0], boolean]> = [
    ['id as a number', users, { id: 42, status: 1 }, true],
    ['id as a string', users, { id: '42', status: 1 }, true],
    ['config id as a number', users, { id: '7', status: 1 }, true],
    ['other id', users, { id: 43, status: 1 }, false],
    ['leading zero is another id', users, { id: '042', status: 1 }, false],
    ['email does not help a user list', users, { id: 1, email: 'a@example.com', status: 1 }, false],
    ['exact domain', domains, { id: 1, email: 'a@example.com', status: 1 }, true],
    ['domain case-insensitive', domains, { id: 1, email: 'A@EXAMPLE.COM', status: 1 }, true],
    ['subdomain of an exact entry', domains, { id: 1, email: 'a@sub.example.com', status: 1 }, false],
    ['look-alike', domains, { id: 1, email: 'a@evilexample.com', status: 1 }, false],
    ['domain as a prefix', domains, { id: 1, email: 'a@example.com.evil.com', status: 1 }, false],
    ['dotted entry: subdomain', domains, { id: 1, email: 'a@x.corp.example.org', status: 1 }, true],
    ['dotted entry: deeper subdomain', domains, { id: 1, email: 'a@y.x.corp.example.org', status: 1 }, true],
    ['dotted entry: not the domain itself', domains, { id: 1, email: 'a@corp.example.org', status: 1 }, false],
    ['dotted entry: empty label', domains, { id: 1, email: 'a@.corp.example.org', status: 1 }, false],
    ['last @ decides', domains, { id: 1, email: '"a@example.com"@evil.com', status: 1 }, false],
    ['quoted local part with @', domains, { id: 1, email: '"x@evil.com"@example.com', status: 1 }, true],
    ['trailing dot', domains, { id: 1, email: 'a@example.com.', status: 1 }, false],
    ['trailing space', domains, { id: 1, email: 'a@example.com ', status: 1 }, false],
    ['no @', domains, { id: 1, email: 'example.com', status: 1 }, false],
    ['@ first', domains, { id: 1, email: '@example.com', status: 1 }, false],
    ['empty domain', domains, { id: 1, email: 'a@', status: 1 }, false],
    ['no email', domains, { id: 1, status: 1 }, false],
    ['either list: by id', both, { id: 42, email: 'a@evil.com', status: 1 }, true],
    ['either list: by email', both, { id: 1, email: 'a@example.com', status: 1 }, true],
    ['either list: neither', both, { id: 1, email: 'a@evil.com', status: 1 }, false],
    ['no lists: everyone active', open, { id: 1, status: 1 }, true]
  ]
  for (const [name, policy, user, ok] of cases) {
    t.same(checkAccount(user, policy), ok ? { ok: true } : { ok: false, reason: 'not_allowed' }, name)
  }
})

t.test('parseBalance', async (t) => {
  const cases: Array<[unknown, number | undefined]> = [
    ['12.50', 12.5], ['¥12.50', 12.5], ['$1,234.56', 1234.56], [' ￥ 1,234 ', 1234], ['€0.01', 0.01],
    ['-3.2', -3.2], ['¥-3.2', -3.2], ['-¥3.2', -3.2], ['+5', 5], ['.5', 0.5], ['5.', 5], ['0', 0],
    ['1\u00a0000.00', 1000], ['12.50 $', 12.5], [7, 7], [0, 0], [-1.5, -1.5],
    ['', undefined], ['¥', undefined], ['abc', undefined], ['1e3', undefined], ['USD 5', undefined],
    ['NaN', undefined], ['Infinity', undefined], ['1.2.3', undefined], ['--1', undefined], ['0x10', undefined],
    [Number.NaN, undefined], [Number.POSITIVE_INFINITY, undefined], [null, undefined], [undefined, undefined],
    [{ value: 5 }, undefined], [['5'], undefined], [true, undefined]
  ]
  for (const [input, expected] of cases) t.equal(parseBalance(input), expected, JSON.stringify(input) ?? String(input))
})

t.test('checkBalance', async (t) => {
  t.same(checkBalance('¥0.00', open), { ok: true }, 'no minBalance: always enough')
  t.same(checkBalance(undefined, open), { ok: true }, 'no minBalance: even unreadable')
  const policy = compileAccessPolicy({ allowedUsers: [], allowedEmailDomains: [], minBalance: 1 })
  t.same(checkBalance('¥1.00', policy), { ok: true }, 'equal is enough')
  t.same(checkBalance('¥1,000.00', policy), { ok: true })
  t.same(checkBalance(2, policy), { ok: true })
  t.same(checkBalance('¥0.99', policy), { ok: false, balance: '¥0.99' })
  t.same(checkBalance(0.5, policy), { ok: false, balance: '0.5' })
  t.same(checkBalance('n/a', policy), { ok: false, balance: 'n/a' }, 'unreadable counts as below')
  t.same(checkBalance(undefined, policy), { ok: false, balance: undefined }, 'missing counts as below')
  t.same(checkBalance({ x: 1 }, policy), { ok: false, balance: undefined }, 'an object is never shown')
  const zero = compileAccessPolicy({ allowedUsers: [], allowedEmailDomains: [], minBalance: 0 })
  t.same(checkBalance('¥0', zero), { ok: true }, 'minBalance 0 is set')
  t.same(checkBalance('-¥0.01', zero), { ok: false, balance: '-¥0.01' })
})

t.test('property: formatted amounts read back as numbers', async () => {
  fc.assert(fc.property(fc.integer({ min: -1e9, max: 1e9 }), fc.constantFrom('', '¥', '$', '￥'), (cents, sign) => {
    const n = cents / 100
    const grouped = Math.abs(n).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })
    const text = `${n < 0 ? '-' : ''}${sign}${grouped}`
    return parseBalance(text) === Number(n.toFixed(2))
  }), { numRuns: 5000 })
})
