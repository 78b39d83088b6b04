// AIHubMix responses are untrusted (STYLE §3.5): each is checked as oauth4webapi's
// processGenericAccessTokenResponse does — status, JSON content type, a top-level object, then
// each field's type — and becomes typed data or a coded error. Nothing else reads provider JSON.
// Pure functions: no I/O, no logging; the body was already read under a size cap (read-body.ts).
import { createProviderError, type ProviderEndpoint, type ProviderError } from './failure.js'

export interface ProviderResponse {
  status: number
  contentType: string | undefined
  body: string
}

export interface TokenSet {
  accessToken: string
  tokenType: 'Bearer'
  /** seconds */
  expiresIn: number
  /** absent when AIHubMix did not rotate it: the caller keeps the refresh token it has (SPEC §2) */
  refreshToken?: string
  scope?: string
}

/** Each value keeps the JSON type AIHubMix gave it (SPEC §4 userinfo). */
export interface UserInfo {
  id: number | string
  username?: string
  email?: string
  quota?: number
  used_quota?: number
  balance_formatted?: string
  created_time?: number
  status?: number
}

export interface RegisteredApp {
  id: number | string
  name: string
  clientId: string
  clientSecret: string
  redirectUri: string
  createdTime?: number
}

export interface ErrorBody {
  error?: string
  errorDescription?: string
}

// SPEC §2: AIHubMix access tokens live 2 h; used when a token response omits expires_in
// (RFC 6749 §5.1 makes it RECOMMENDED, not required).
export const DEFAULT_EXPIRES_IN = 7200

type JsonObject = Record<string, unknown>

// RFC 6749 §5.2: error codes are NQSCHAR only. Anything else is not an error code we act on.
const ERROR_CODE = /^[\x20\x21\x23-\x5B\x5D-\x7E]{1,128}$/
// Tokens travel in Authorization and X-Access-Token headers: visible ASCII, no spaces.
const HEADER_SAFE_TOKEN = /^[\x21-\x7E]+$/
const MAX_DESCRIPTION = 512

/** Whether a string can travel as a bearer token in a header (what the validators demand). */
export function isTokenString (value: string): boolean {
  return HEADER_SAFE_TOKEN.test(value)
}

function badResponse (endpoint: ProviderEndpoint, reason: string, status?: number): ProviderError {
  return createProviderError('bad_response', endpoint, { reason, status })
}

function field (obj: JsonObject, key: string): unknown {
  // Own properties only: a polluted Object.prototype must not supply a missing field.
  return Object.hasOwn(obj, key) ? obj[key] : undefined
}

function isObject (value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isJsonContentType (contentType: string | undefined): boolean {
  if (contentType === undefined) return false
  const type = contentType.split(';', 1)[0]!.trim().toLowerCase()
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'))
}

function tryParseJson (body: string): unknown {
  try {
    return JSON.parse(body)
  } catch {
    return undefined
  }
}

function errorBodyOf (obj: JsonObject): ErrorBody {
  const out: ErrorBody = {}
  const error = field(obj, 'error')
  if (typeof error === 'string' && ERROR_CODE.test(error)) out.error = error
  const description = field(obj, 'error_description') ?? field(obj, 'message')
  if (typeof description === 'string' && description !== '') {
    out.errorDescription = description.slice(0, MAX_DESCRIPTION)
  }
  return out
}

/** Reads an RFC 6749 §5.2 body, or AIHubMix's `{success:false, message}`. Never throws. */
export function parseErrorBody (body: string): ErrorBody {
  const parsed = tryParseJson(body)
  return isObject(parsed) ? errorBodyOf(parsed) : {}
}

function classify (endpoint: ProviderEndpoint, status: number, body: ErrorBody): ProviderError {
  const details = { status, error: body.error, errorDescription: body.errorDescription }
  if (status === 429 || status >= 500) return createProviderError('unavailable', endpoint, details)
  const tokenCall = endpoint === 'token' || endpoint === 'refresh'
  // SPEC §2: a revoked or expired grant shows as invalid_grant on the token endpoint and as
  // 401 on userinfo/topup. Only these end a session; every other refusal is configuration.
  if (tokenCall && body.error === 'invalid_grant') return createProviderError('grant_invalid', endpoint, details)
  if ((endpoint === 'userinfo' || endpoint === 'topup') && status === 401) {
    return createProviderError('grant_invalid', endpoint, details)
  }
  return createProviderError('rejected', endpoint, details)
}

/** The error for a response whose status is not the expected success. */
export function failureFor (res: ProviderResponse, endpoint: ProviderEndpoint): ProviderError {
  if (res.status >= 400) return classify(endpoint, res.status, parseErrorBody(res.body))
  return badResponse(endpoint, 'unexpected status', res.status)
}

function expectJsonObject (res: ProviderResponse, endpoint: ProviderEndpoint, ok: readonly number[]): JsonObject {
  if (!ok.includes(res.status)) throw failureFor(res, endpoint)
  if (!isJsonContentType(res.contentType)) throw badResponse(endpoint, 'content type is not JSON', res.status)
  const parsed = tryParseJson(res.body)
  if (!isObject(parsed)) throw badResponse(endpoint, 'body is not a JSON object', res.status)
  return parsed
}

// AIHubMix may wrap a payload as {success, data} (SPEC §2). success:false on a 2xx is a
// refusal we cannot read more into, so it is "rejected", never "grant invalid".
function unwrap (body: JsonObject, endpoint: ProviderEndpoint, status: number): JsonObject {
  if (!Object.hasOwn(body, 'success')) return body
  const success = field(body, 'success')
  if (success === false) {
    const { errorDescription } = errorBodyOf(body)
    throw createProviderError('rejected', endpoint, { status, errorDescription })
  }
  if (success !== true) throw badResponse(endpoint, 'success is not a boolean', status)
  const data = field(body, 'data')
  if (!isObject(data)) throw badResponse(endpoint, 'data is not an object', status)
  return data
}

function isId (value: unknown): value is number | string {
  // An id past 2^53 would be rounded by JSON.parse and could name another user.
  return (typeof value === 'string' && value !== '') || Number.isSafeInteger(value)
}

type Check = (value: unknown) => boolean
const isString: Check = (v) => typeof v === 'string'
const isNumber: Check = (v) => typeof v === 'number' && Number.isFinite(v)

// Copies the optional fields that are present, each only if it has the expected type.
function copyOptional (
  from: JsonObject, to: Record<string, unknown>, fields: Readonly<Record<string, Check>>,
  endpoint: ProviderEndpoint, status: number
): void {
  for (const [key, check] of Object.entries(fields)) {
    const value = field(from, key)
    if (value === undefined) continue
    if (!check(value)) throw badResponse(endpoint, `${key} has the wrong type`, status)
    to[key] = value
  }
}

function tokenError (body: JsonObject, endpoint: ProviderEndpoint, status: number): ProviderError | undefined {
  // Some servers answer a token error with 200: honour an RFC 6749 body that carries no token,
  // so a revoked grant still ends the session instead of looking like an outage.
  if (field(body, 'access_token') !== undefined) return undefined
  const parsed = errorBodyOf(body)
  if (parsed.error === undefined && field(body, 'success') !== false) return undefined
  return classify(endpoint, 400, parsed)
}

export function parseTokenResponse (res: ProviderResponse, endpoint: 'token' | 'refresh' = 'token'): TokenSet {
  const status = res.status
  const body = expectJsonObject(res, endpoint, [200])
  const refused = tokenError(body, endpoint, status)
  if (refused !== undefined) throw refused
  const accessToken = field(body, 'access_token')
  if (typeof accessToken !== 'string' || !HEADER_SAFE_TOKEN.test(accessToken)) {
    throw badResponse(endpoint, 'access_token is not a token string', status)
  }
  const tokenType = field(body, 'token_type')
  if (typeof tokenType !== 'string' || tokenType.toLowerCase() !== 'bearer') {
    throw badResponse(endpoint, 'token_type is not Bearer', status)
  }
  const rawExpiresIn = field(body, 'expires_in')
  const expiresIn = rawExpiresIn === undefined ? DEFAULT_EXPIRES_IN : rawExpiresIn
  if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn) || expiresIn < 0) {
    throw badResponse(endpoint, 'expires_in is not a number of seconds', status)
  }
  const tokens: TokenSet = { accessToken, tokenType: 'Bearer', expiresIn }
  const refreshToken = field(body, 'refresh_token')
  if (refreshToken !== undefined) {
    if (typeof refreshToken !== 'string' || !HEADER_SAFE_TOKEN.test(refreshToken)) {
      throw badResponse(endpoint, 'refresh_token is not a token string', status)
    }
    tokens.refreshToken = refreshToken
  }
  const scope = field(body, 'scope')
  if (scope !== undefined) {
    if (typeof scope !== 'string') throw badResponse(endpoint, 'scope is not a string', status)
    tokens.scope = scope
  }
  return tokens
}

const USERINFO_OPTIONAL: Readonly<Record<string, Check>> = {
  username: isString,
  email: isString,
  quota: isNumber,
  used_quota: isNumber,
  balance_formatted: isString,
  created_time: isNumber,
  // May be absent; the access rule refuses anything but 1 (SPEC §2).
  status: isNumber
}

export function parseUserinfoResponse (res: ProviderResponse): UserInfo {
  const data = unwrap(expectJsonObject(res, 'userinfo', [200]), 'userinfo', res.status)
  const id = field(data, 'id')
  if (!isId(id)) throw badResponse('userinfo', 'id is not a user id', res.status)
  // A fresh object with known keys only: unknown provider fields never travel further.
  const user: Record<string, unknown> = { id }
  copyOptional(data, user, USERINFO_OPTIONAL, 'userinfo', res.status)
  return user as unknown as UserInfo
}

/** The top-up page URL, normalized; only absolute http(s) URLs are accepted. */
export function parseTopupResponse (res: ProviderResponse): string {
  const data = unwrap(expectJsonObject(res, 'topup', [200]), 'topup', res.status)
  const raw = field(data, 'topup_url')
  const url = typeof raw === 'string' && URL.canParse(raw) ? new URL(raw) : undefined
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw badResponse('topup', 'topup_url is not an http(s) URL', res.status)
  }
  return url.href
}

function requireString (data: JsonObject, key: string, status: number): string {
  const value = field(data, key)
  if (typeof value !== 'string' || value === '') throw badResponse('apps', `${key} is not a non-empty string`, status)
  return value
}

export function parseAppResponse (res: ProviderResponse): RegisteredApp {
  const body = expectJsonObject(res, 'apps', [200, 201])
  if (field(body, 'success') === undefined) throw badResponse('apps', 'success is missing', res.status)
  const data = unwrap(body, 'apps', res.status)
  const id = field(data, 'id')
  if (!isId(id)) throw badResponse('apps', 'id is not an app id', res.status)
  const app: RegisteredApp = {
    id,
    name: requireString(data, 'name', res.status),
    clientId: requireString(data, 'client_id', res.status),
    clientSecret: requireString(data, 'client_secret', res.status),
    redirectUri: requireString(data, 'redirect_uri', res.status)
  }
  const createdTime = field(data, 'created_time')
  if (createdTime !== undefined) {
    if (!isNumber(createdTime)) throw badResponse('apps', 'created_time has the wrong type', res.status)
    app.createdTime = createdTime as number
  }
  return app
}
