import { createCipheriv, randomBytes } from 'node:crypto'
import t from 'tap'
import { sessionKeys } from '../../src/session/keys.js'
import { openSession, sealSession } from '../../src/session/seal.js'
import { isSession, type Session } from '../../src/session/types.js'

function aSession (): Session {
  return {
    v: 1,
    userId: '12345',
    tokens: {
      accessToken: 'a'.repeat(64),
      refreshToken: 'r'.repeat(64),
      expiresAt: 1_700_000_000_000,
      scope: 'profile balance'
    },
    user: {
      id: 12345,
      username: 'user_zhang',
      email: 'zhang@example.com',
      quota: 1_000_000,
      used_quota: 250_000,
      balance_formatted: '750.00',
      created_time: 1_640_995_200,
      status: 1
    },
    userFetchedAt: 1_700_000_000_000,
    createdAt: 1_700_000_000_000,
    lastSeenAt: 1_700_000_000_000
  }
}

const key = randomBytes(32)
const storeKey = sessionKeys('id-1').data

t.test('round trip', async (t) => {
  const session = aSession()
  const blob = sealSession(session, key, storeKey)
  t.same(openSession(blob, key, storeKey), session)
  t.ok(blob.length < 1024, `a full session stays well under 1 KiB (${blob.length} bytes)`)
  t.equal(blob[0], 1, 'starts with its format version')
  t.notSame(sealSession(session, key, storeKey), blob, 'a fresh IV per seal')
  const minimal: Session = { ...session, tokens: { accessToken: 'x', expiresAt: 0 }, user: { id: 'u-1' } }
  t.same(openSession(sealSession(minimal, key, storeKey), key, storeKey), minimal, 'optional fields may be absent')
})

t.test('any changed byte, another key or another store key: no session', async (t) => {
  const blob = sealSession(aSession(), key, storeKey)
  let opened = 0
  for (let i = 0; i < blob.length; i++) {
    const tampered = Buffer.from(blob)
    tampered[i] = tampered[i]! ^ 0x01
    if (openSession(tampered, key, storeKey) !== undefined) opened++
  }
  t.equal(opened, 0, 'every single-bit flip, in every byte, is refused')
  t.equal(openSession(blob, randomBytes(32), storeKey), undefined, 'another session key')
  t.equal(openSession(blob, key, sessionKeys('id-2').data), undefined, 'moved under another store key')
  t.equal(openSession(blob, key.subarray(0, 16), storeKey), undefined, 'a short key is refused, not thrown')
  t.equal(openSession(blob.subarray(0, blob.length - 1), key, storeKey), undefined, 'truncated')
  t.equal(openSession(Buffer.concat([blob, Buffer.of(0)]), key, storeKey), undefined, 'extended')
})

t.test('garbage is no session, never an exception', async (t) => {
  for (const garbage of [Buffer.alloc(0), Buffer.of(1), Buffer.alloc(28, 1), Buffer.alloc(29, 1), randomBytes(300),
    Buffer.from('{"v":1,"userId":"1"}')]) {
    t.equal(openSession(garbage, key, storeKey), undefined, `${garbage.length} bytes`)
  }
})

// Format-version drift: an authentic blob whose plaintext is not a v1 session.
function sealRaw (plain: Buffer): Buffer {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  cipher.setAAD(Buffer.from(`aihubmix-auth-proxy/session\0${1}\0${storeKey}`))
  const body = Buffer.concat([cipher.update(plain), cipher.final()])
  return Buffer.concat([Buffer.of(1), iv, body, cipher.getAuthTag()])
}

t.test('an authentic blob that is not a current session is no session', async (t) => {
  t.ok(openSession(sealRaw(Buffer.from(JSON.stringify(aSession()))), key, storeKey), 'the layout is as documented')
  t.equal(openSession(sealRaw(Buffer.from('not json')), key, storeKey), undefined)
  t.equal(openSession(sealRaw(Buffer.from(JSON.stringify({ ...aSession(), v: 2 }))), key, storeKey), undefined)
})

t.test('isSession checks what the request path relies on', async (t) => {
  const good = aSession()
  t.ok(isSession(good))
  const bad: Array<[string, unknown]> = [
    ['null', null],
    ['an array', [good]],
    ['another version', { ...good, v: 2 }],
    ['no userId', { ...good, userId: '' }],
    ['numeric userId', { ...good, userId: 1 }],
    ['no tokens', { ...good, tokens: undefined }],
    ['empty access token', { ...good, tokens: { ...good.tokens, accessToken: '' } }],
    ['numeric refresh token', { ...good, tokens: { ...good.tokens, refreshToken: 1 } }],
    ['expiry as string', { ...good, tokens: { ...good.tokens, expiresAt: '1' } }],
    ['NaN expiry', { ...good, tokens: { ...good.tokens, expiresAt: Number.NaN } }],
    ['numeric scope', { ...good, tokens: { ...good.tokens, scope: 1 } }],
    ['no user', { ...good, user: null }],
    ['user without id', { ...good, user: { username: 'x' } }],
    ['empty user id', { ...good, user: { id: '' } }],
    ['fractional user id', { ...good, user: { id: 1.5 } }],
    ['negative createdAt', { ...good, createdAt: -1 }],
    ['no lastSeenAt', { ...good, lastSeenAt: undefined }],
    ['infinite userFetchedAt', { ...good, userFetchedAt: Number.POSITIVE_INFINITY }],
    ['refreshRetryAt as string', { ...good, refreshRetryAt: '1' }],
    ['negative userinfoRetryAt', { ...good, userinfoRetryAt: -1 }]
  ]
  for (const [name, value] of bad) t.notOk(isSession(value), name)
  t.ok(isSession({ ...good, refreshRetryAt: 1_700_000_000_000 }), 'a failed refresh\'s retry time is part of a session')
  t.ok(isSession({ ...good, userinfoRetryAt: 1_700_000_000_000 }), 'so is a failed userinfo fetch\'s')
})
