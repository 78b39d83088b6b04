// The one place where AIHubMix failures become coded errors (STYLE §3.2, as reply-from's
// index.js maps upstream failures by code). Callers branch with the guards below, never on text.
import {
  ProviderBadResponse,
  ProviderGrantInvalid,
  ProviderRejected,
  ProviderTimeout,
  ProviderUnavailable
} from '../errors.js'

export type ProviderEndpoint = 'token' | 'refresh' | 'userinfo' | 'topup' | 'apps'

export interface ProviderErrorDetails {
  endpoint: ProviderEndpoint
  /** the provider's HTTP status, when it answered */
  status?: number
  /** the RFC 6749 §5.2 error code, when the body carried one */
  error?: string
  errorDescription?: string
  /** for bad responses: which check failed (a field name or a fixed word, never a value) */
  reason?: string
}

export type ProviderError = Error & { code: string, statusCode?: number } & ProviderErrorDetails

export type ProviderErrorKind = 'unavailable' | 'timeout' | 'bad_response' | 'rejected' | 'grant_invalid'

interface FailureInput {
  status?: number | undefined
  error?: string | undefined
  errorDescription?: string | undefined
  reason?: string | undefined
  cause?: unknown
}

function construct (kind: ProviderErrorKind, endpoint: ProviderEndpoint, reason: string): Error {
  switch (kind) {
    case 'unavailable': return new ProviderUnavailable(endpoint)
    case 'timeout': return new ProviderTimeout(endpoint)
    case 'bad_response': return new ProviderBadResponse(endpoint, reason)
    case 'rejected': return new ProviderRejected(endpoint)
    case 'grant_invalid': return new ProviderGrantInvalid(endpoint)
  }
}

export function createProviderError (
  kind: ProviderErrorKind, endpoint: ProviderEndpoint, input: FailureInput = {}
): ProviderError {
  const err = construct(kind, endpoint, input.reason ?? 'unexpected') as ProviderError
  err.endpoint = endpoint
  if (input.status !== undefined) err.status = input.status
  if (input.error !== undefined) err.error = input.error
  if (input.errorDescription !== undefined) err.errorDescription = input.errorDescription
  if (input.reason !== undefined) err.reason = input.reason
  if (input.cause !== undefined) {
    // Non-enumerable like a native Error's cause: undici's HTTPParserError keeps raw response
    // bytes in an enumerable `data`, which must not reach JSON.stringify(err).
    Object.defineProperty(err, 'cause', { value: input.cause, enumerable: false, writable: true, configurable: true })
  }
  return err
}

export function isProviderError (err: unknown): err is ProviderError {
  return err instanceof ProviderUnavailable || err instanceof ProviderRejected || err instanceof ProviderGrantInvalid
}

/** The grant is dead: end the session (SPEC §7). */
export function isGrantInvalid (err: unknown): err is ProviderError {
  return err instanceof ProviderGrantInvalid
}

/** May pass: keep the session, serve with the old token while it is valid (SPEC §7). */
export function isProviderUnavailable (err: unknown): err is ProviderError {
  return err instanceof ProviderUnavailable
}

/** AIHubMix refused the request itself: a configuration problem, not the user's. */
export function isProviderRejected (err: unknown): err is ProviderError {
  return err instanceof ProviderRejected
}

/** The metrics outcome label of a finished call. */
export function outcomeOf (err: unknown): ProviderErrorKind | 'error' {
  if (err instanceof ProviderTimeout) return 'timeout'
  if (err instanceof ProviderBadResponse) return 'bad_response'
  if (err instanceof ProviderUnavailable) return 'unavailable'
  if (err instanceof ProviderRejected) return 'rejected'
  if (err instanceof ProviderGrantInvalid) return 'grant_invalid'
  return 'error'
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'])

/**
 * A failure below HTTP (socket, DNS, TLS, parser, our own deadline). `deadlineHit` comes from
 * the caller's own AbortSignal, so the overall deadline is told apart from any other abort.
 */
export function fromTransportError (err: unknown, endpoint: ProviderEndpoint, deadlineHit: boolean): ProviderError {
  if (isProviderError(err)) return err
  const code = (err as { code?: unknown } | null)?.code
  const timedOut = deadlineHit || (typeof code === 'string' && TIMEOUT_CODES.has(code))
  return createProviderError(timedOut ? 'timeout' : 'unavailable', endpoint, { cause: err })
}
