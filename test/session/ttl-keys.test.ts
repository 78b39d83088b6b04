import t from 'tap'
import { sessionKeys, userIndexKey } from '../../src/session/keys.js'
import { clampTtl } from '../../src/session/store.js'
import { computeSessionTtl, renewalTtl, RENEW_INTERVAL_MS } from '../../src/session/ttl.js'

const MIN = 60_000
const DAY = 24 * 60 * MIN

t.test('computeSessionTtl: idle timeout, never past createdAt + maxAge', async (t) => {
  const idleTimeoutMs = 7 * DAY
  const maxAgeMs = 30 * DAY
  const createdAt = 1_000_000
  const rows: Array<[string, number, number]> = [
    ['just created', createdAt, 7 * DAY],
    ['a day in', createdAt + DAY, 7 * DAY],
    ['23 days in: idle still fits', createdAt + 23 * DAY, 7 * DAY],
    ['25 days in: capped by max age', createdAt + 25 * DAY, 5 * DAY],
    ['1 ms before max age', createdAt + 30 * DAY - 1, 1],
    ['at max age: expired', createdAt + 30 * DAY, 0],
    ['past max age: expired', createdAt + 31 * DAY, -DAY]
  ]
  for (const [name, now, want] of rows) {
    t.equal(computeSessionTtl({ now, createdAt, idleTimeoutMs, maxAgeMs }), want, name)
  }
  t.equal(computeSessionTtl({ now: createdAt, createdAt, idleTimeoutMs: 40 * DAY, maxAgeMs }), 30 * DAY,
    'an idle timeout longer than max age is capped')
})

t.test('renewalTtl: only once the key has lost a minute, never past max age', async (t) => {
  t.equal(RENEW_INTERVAL_MS, MIN)
  const idle = 7 * DAY
  t.equal(renewalTtl(idle, idle), undefined, 'just written: nothing to renew')
  t.equal(renewalTtl(idle - MIN + 1, idle), undefined, 'lost less than a minute')
  t.equal(renewalTtl(idle - MIN, idle), idle, 'lost a minute: back to the full idle timeout')
  t.equal(renewalTtl(DAY, idle), idle)
  t.equal(renewalTtl(3 * DAY, 2 * DAY), undefined, 'capped by max age: wants less than it has, never extended')
  t.equal(renewalTtl(idle, idle + 5 * MIN), idle + 5 * MIN, 'a longer idle timeout after a restart applies')
  t.equal(renewalTtl(-1, 30_000), 30_000, 'a key without a TTL always gets one')
})

t.test('clampTtl: at least 1 ms, whole milliseconds', async (t) => {
  t.equal(clampTtl(1000), 1000)
  t.equal(clampTtl(1.2), 2)
  t.equal(clampTtl(0), 1)
  t.equal(clampTtl(-5), 1)
  t.equal(clampTtl(Number.NaN), 1)
})

// Redis Cluster hashes only the hash tag: the part between the first '{' and the next '}',
// when not empty (https://redis.io/docs/reference/cluster-spec/#hash-tags).
function hashTag (key: string): string {
  const open = key.indexOf('{')
  if (open === -1) return key
  const close = key.indexOf('}', open + 1)
  return close === -1 || close === open + 1 ? key : key.slice(open + 1, close)
}

t.test('store keys: hashed id, one hash tag per session', async (t) => {
  const id = 'AAAAAAAAAAAAAAAAAAAAAA'
  const keys = sessionKeys(id)
  t.notOk(keys.data.includes(id) || keys.lock.includes(id), 'the raw id never reaches the store')
  // Pinned: changing the key format silently signs every user out on upgrade.
  t.equal(keys.data, '{ilvbTMFRZBJsbvJmjendJA0pnOY5ekLJWpQRuT0IDtg}:s')
  t.equal(keys.lock, '{ilvbTMFRZBJsbvJmjendJA0pnOY5ekLJWpQRuT0IDtg}:lock')
  t.equal(hashTag('aap:' + keys.data), hashTag('aap:' + keys.lock), 'data and lock share a slot')
  t.not(hashTag(keys.data), hashTag(sessionKeys('BBBBBBBBBBBBBBBBBBBBBB').data), 'sessions do not')
  t.same(sessionKeys(id), keys, 'deterministic')
  t.notOk(userIndexKey('4242').includes('4242'), 'the user id is hashed too')
  t.not(userIndexKey('1'), userIndexKey('2'))
})
