// Every coded error the proxy raises is declared here, once (STYLE §3.2). Codes are never
// renamed or reused; each one is documented in docs/errors.md (test/errors.test.ts enforces it).
// Branch on the class or `code`, never on the message text.
import createError from '@fastify/error'

// --- config ---
export const ConfigInvalid = createError<'AAP_ERR_CONFIG_INVALID', [string]>(
  'AAP_ERR_CONFIG_INVALID', 'invalid configuration:\n%s', 500)

// --- cli ---
export const CliUsage = createError<'AAP_ERR_CLI_USAGE', [string]>(
  'AAP_ERR_CLI_USAGE', '%s', 500, Error, false)

// --- provider ---
// Raised only through src/provider/failure.ts, which sets `endpoint` and, where known, the
// provider's HTTP `status`, the RFC 6749 `error` and `errorDescription` (oauth4webapi's
// ResponseBodyError). The session logic keeps a session on Unavailable (and its subclasses,
// via the Base argument, as reply-from's timeouts) and ends it only on GrantInvalid (SPEC §7).
export const ProviderUnavailable = createError<'AAP_ERR_PROVIDER_UNAVAILABLE', [string]>(
  'AAP_ERR_PROVIDER_UNAVAILABLE', 'AIHubMix %s call failed', 502)
export const ProviderTimeout = createError<'AAP_ERR_PROVIDER_TIMEOUT', [string]>(
  'AAP_ERR_PROVIDER_TIMEOUT', 'AIHubMix %s call timed out', 504,
  ProviderUnavailable as unknown as ErrorConstructor)
export const ProviderBadResponse = createError<'AAP_ERR_PROVIDER_BAD_RESPONSE', [string, string]>(
  'AAP_ERR_PROVIDER_BAD_RESPONSE', 'AIHubMix %s answered with an invalid response: %s', 502,
  ProviderUnavailable as unknown as ErrorConstructor)
export const ProviderRejected = createError<'AAP_ERR_PROVIDER_REJECTED', [string]>(
  'AAP_ERR_PROVIDER_REJECTED', 'AIHubMix refused the %s request', 502)
export const ProviderGrantInvalid = createError<'AAP_ERR_PROVIDER_GRANT_INVALID', [string]>(
  'AAP_ERR_PROVIDER_GRANT_INVALID', 'AIHubMix %s: the grant is no longer valid', 401)

// --- server ---
// A server could not bind its address at startup (port in use, no permission, an address this
// machine does not have): `serve` prints the message as one line and exits 1. The system's
// error is in `cause`.
export const ListenFailed = createError<'AAP_ERR_LISTEN_FAILED', [string, string, string, { cause: unknown }?]>(
  'AAP_ERR_LISTEN_FAILED', '%s %s: %s', 500, Error, false)

// --- pages ---
export const PagesInvalidOption = createError<'AAP_ERR_PAGES_INVALID_OPTION', [string]>(
  'AAP_ERR_PAGES_INVALID_OPTION', 'invalid page option: %s', 500)

// --- session ---
// Every failure to reach the session store, whatever the cause (connection refused, command
// timeout, no offline queue, a closed store): callers fail closed with 503 (SPEC §7). The
// driver's error travels in `cause` for the log.
export const StoreUnavailable = createError<'AAP_ERR_STORE_UNAVAILABLE', [{ cause: unknown }?]>(
  'AAP_ERR_STORE_UNAVAILABLE', 'session store unavailable', 503)
// createRedisClient/createRedisStore refuse settings they cannot use; raised at startup only.
// The message never repeats a URL, which may hold a password.
export const StoreConfigInvalid = createError<'AAP_ERR_STORE_CONFIG_INVALID', [string]>(
  'AAP_ERR_STORE_CONFIG_INVALID', 'invalid session store settings: %s', 500)

// --- routes ---
// loginRateLimit (SPEC §3): too many start/callback requests from one client IP in the window.
// Answered as the 429 page or JSON with Retry-After; the limit applies to no other route.
export const RateLimited = createError<'AAP_ERR_RATE_LIMITED', [number]>(
  'AAP_ERR_RATE_LIMITED', 'too many sign-in requests; retry after %d s', 429)

// --- proxy ---
