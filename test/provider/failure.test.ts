// Transport failures map by code to the error kinds the session logic branches on (SPEC §7).
import t from 'tap'
import { ProviderTimeout, ProviderUnavailable } from '../../src/errors.js'
import {
  createProviderError,
  fromTransportError,
  isGrantInvalid,
  isProviderRejected,
  isProviderUnavailable,
  outcomeOf
} from '../../src/provider/failure.js'

t.test('timeouts by code or by our deadline; anything else is unavailable', async (t) => {
  for (const code of ['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']) {
    const err = fromTransportError(Object.assign(new Error('x'), { code }), 'token', false)
    t.match(err, { code: 'AAP_ERR_PROVIDER_TIMEOUT', endpoint: 'token' }, code)
    t.ok(err instanceof ProviderTimeout && err instanceof ProviderUnavailable && isProviderUnavailable(err))
  }
  t.match(fromTransportError(new DOMException('aborted', 'AbortError'), 'userinfo', true), { code: 'AAP_ERR_PROVIDER_TIMEOUT' })
  for (const code of ['ECONNRESET', 'ECONNREFUSED', 'UND_ERR_SOCKET', 'ENOTFOUND', undefined]) {
    t.match(fromTransportError(Object.assign(new Error('x'), { code }), 'topup', false), { code: 'AAP_ERR_PROVIDER_UNAVAILABLE', endpoint: 'topup' })
  }
  t.match(fromTransportError(null, 'apps', false), { code: 'AAP_ERR_PROVIDER_UNAVAILABLE' })
})

t.test('a provider error passes through unchanged', async (t) => {
  const rejected = createProviderError('rejected', 'token', { status: 401, error: 'invalid_client' })
  t.equal(fromTransportError(rejected, 'token', true), rejected)
})

t.test('the cause is kept but never serialized', async (t) => {
  const cause = Object.assign(new Error('parser'), { code: 'HPE_INVALID_HEADER_TOKEN', data: 'raw-bytes-with-token' })
  const err = fromTransportError(cause, 'refresh', false)
  t.equal(err.cause, cause)
  t.notOk(Object.keys(err).includes('cause'))
  t.notOk(JSON.stringify(err).includes('raw-bytes'))
})

t.test('kinds and outcome labels', async (t) => {
  const kinds = ['unavailable', 'timeout', 'bad_response', 'rejected', 'grant_invalid'] as const
  for (const kind of kinds) {
    const err = createProviderError(kind, 'token')
    t.equal(outcomeOf(err), kind)
    t.equal(isGrantInvalid(err), kind === 'grant_invalid')
    t.equal(isProviderRejected(err), kind === 'rejected')
    t.equal(isProviderUnavailable(err), kind === 'unavailable' || kind === 'timeout' || kind === 'bad_response')
  }
  t.equal(outcomeOf(new Error('other')), 'error')
})
