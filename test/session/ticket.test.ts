import { randomBytes } from 'node:crypto'
import t from 'tap'
import { createTicket, parseTicket, ticketKey } from '../../src/session/ticket.js'

t.test('a new ticket: 128-bit id, 256-bit key, both canonical base64url', async (t) => {
  const ticket = createTicket(randomBytes)
  t.equal(ticket.v, 1)
  t.equal(Buffer.from(ticket.id, 'base64url').length, 16)
  t.equal(ticketKey(ticket).length, 32)
  t.match(ticket.id, /^[A-Za-z0-9_-]{22}$/)
  t.match(ticket.key, /^[A-Za-z0-9_-]{43}$/)
  t.same(parseTicket(ticket), ticket)
  t.same(parseTicket(JSON.parse(JSON.stringify(ticket))), ticket, 'survives the cookie JSON')
  t.not(createTicket(randomBytes).id, ticket.id)
})

t.test('the random source decides every byte', async (t) => {
  const ticket = createTicket((n) => Buffer.alloc(n, 0xff))
  t.equal(ticket.id, Buffer.alloc(16, 0xff).toString('base64url'))
  t.equal(ticket.key, Buffer.alloc(32, 0xff).toString('base64url'))
})

t.test('parseTicket refuses anything else, without throwing', async (t) => {
  const good = createTicket(randomBytes)
  const id = good.id
  const key = good.key
  const bad: Array<[string, unknown]> = [
    ['undefined', undefined],
    ['null', null],
    ['a string', `${id}.${key}`],
    ['a number', 1],
    ['an array', [1, id, key]],
    ['empty object', {}],
    ['version 2', { v: 2, id, key }],
    ['version as string', { v: '1', id, key }],
    ['no version', { id, key, x: 1 }],
    ['extra field', { v: 1, id, key, userId: '1' }],
    ['missing key', { v: 1, id }],
    ['numeric id', { v: 1, id: 1, key }],
    ['short id', { v: 1, id: id.slice(1), key }],
    ['long id', { v: 1, id: id + 'A', key }],
    ['padded id', { v: 1, id: id + '==', key }],
    ['id with + and /', { v: 1, id: id.slice(0, 20) + '+/', key }],
    ['id with non-zero trailing bits', { v: 1, id: id.slice(0, 21) + 'B', key }],
    ['short key', { v: 1, id, key: key.slice(1) }],
    ['key of 33 bytes', { v: 1, id, key: randomBytes(33).toString('base64url') }],
    ['key as buffer', { v: 1, id, key: Buffer.from(key, 'base64url') }],
    ['inherited fields', Object.assign(Object.create({ v: 1 }), { id, key, other: 1 })]
  ]
  for (const [name, value] of bad) t.equal(parseTicket(value), undefined, name)
})
