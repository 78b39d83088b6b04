// The AIHubMix OAuth2 client (SPEC §2): builds the authorize URL and makes the server-side
// calls over one undici dispatcher. Every answer goes through responses.ts before use
// (oauth4webapi's send/process pairs). It never logs; errors name no secret (failure.ts).
import { Agent, type Dispatcher } from 'undici'
import { createProviderError, isProviderError, outcomeOf, type ProviderEndpoint } from './failure.js'
import { DEFAULT_MAX_BODY_BYTES } from './read-body.js'
import {
  parseAppResponse,
  parseTokenResponse,
  parseTopupResponse,
  parseUserinfoResponse,
  isTokenString,
  type ProviderResponse,
  type RegisteredApp,
  type TokenSet,
  type UserInfo
} from './responses.js'
import { createTransport, type ProviderRequest, type Send } from './transport.js'

export interface ProviderClientOptions {
  authorizeUrl: URL
  tokenUrl: URL
  userinfoUrl: URL
  topupUrl: URL
  appsUrl: URL
  clientId: string
  clientSecret: string
  redirectUri: string
  scope: string
  autoAuthorize: boolean
  /** each call — connect, headers and body together — ends by then */
  timeoutMs: number
  /** default: an Agent owned (and closed) by the client, shared by all calls for connection reuse */
  dispatcher?: Dispatcher
  maxBodyBytes?: number
  /** metrics hook: outcome is 'ok' or the error kind ('timeout', 'grant_invalid', ...) */
  onCall?: (endpoint: ProviderEndpoint, durationMs: number, outcome: 'ok' | ReturnType<typeof outcomeOf>) => void
}

export interface AppRegistration {
  name: string
  description: string
  redirectUri: string
}

export interface ProviderClient {
  buildAuthorizeUrl (params: { state: string, codeChallenge?: string }): string
  exchangeCode (params: { code: string, codeVerifier?: string }): Promise<TokenSet>
  /** A TokenSet without refreshToken means AIHubMix did not rotate it: keep the old one (SPEC §2). */
  refresh (refreshToken: string): Promise<TokenSet>
  userinfo (accessToken: string): Promise<UserInfo>
  /** the top-up page URL; the caller still checks its host (SPEC §4 topup) */
  topup (accessToken: string): Promise<string>
  registerApp (developerToken: string, app: AppRegistration): Promise<RegisteredApp>
  /** closes the dispatcher if the client created it; an injected one belongs to its owner */
  close (): Promise<void>
}

const FORM_HEADERS = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }

// STYLE §3.8: the static half of the authorize URL is built once; a call appends its own state.
function createAuthorizeUrlBuilder (options: ProviderClientOptions): ProviderClient['buildAuthorizeUrl'] {
  const url = new URL(options.authorizeUrl)
  url.hash = ''
  url.searchParams.set('client_id', options.clientId)
  url.searchParams.set('redirect_uri', options.redirectUri)
  url.searchParams.set('response_type', 'code')
  url.searchParams.set('scope', options.scope)
  if (options.autoAuthorize) url.searchParams.set('auto_authorize', 'true')
  const base = url.href
  return ({ state, codeChallenge }) => {
    const extra = new URLSearchParams({ state })
    if (codeChallenge !== undefined) {
      extra.set('code_challenge', codeChallenge)
      extra.set('code_challenge_method', 'S256')
    }
    return `${base}&${extra.toString()}`
  }
}

// A provider that echoes what we sent into error_description would carry it into logs.
function dropEchoes (err: unknown, sent: readonly string[]): void {
  if (!isProviderError(err) || err.errorDescription === undefined) return
  const description = err.errorDescription
  if (sent.some((secret) => secret !== '' && description.includes(secret))) delete err.errorDescription
}

// A token that cannot be a header value never leaves the process: with allowBearer it comes
// from a client, and undici would otherwise throw, which would read as an outage.
function bearer (endpoint: ProviderEndpoint, token: string): Record<string, string> {
  if (!isTokenString(token)) {
    throw createProviderError(endpoint === 'apps' ? 'rejected' : 'grant_invalid', endpoint, { reason: 'not a token' })
  }
  return { authorization: `Bearer ${token}`, accept: 'application/json' }
}

type Caller = <T>(
  endpoint: ProviderEndpoint, url: string, req: ProviderRequest, sent: readonly string[],
  parse: (res: ProviderResponse) => T
) => Promise<T>

// Sends, validates, reports the outcome to the metrics hook, and scrubs echoes of `sent`.
function createCaller (send: Send, onCall: ProviderClientOptions['onCall']): Caller {
  return async (endpoint, url, req, sent, parse) => {
    const started = performance.now()
    try {
      const value = parse(await send(endpoint, url, req))
      onCall?.(endpoint, performance.now() - started, 'ok')
      return value
    } catch (err) {
      onCall?.(endpoint, performance.now() - started, outcomeOf(err))
      dropEchoes(err, sent)
      throw err
    }
  }
}

export function createProviderClient (options: ProviderClientOptions): ProviderClient {
  const { timeoutMs, onCall, clientSecret } = options
  const ownsDispatcher = options.dispatcher === undefined
  const dispatcher = options.dispatcher ?? new Agent({
    connect: { timeout: timeoutMs },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs
  })
  const send = createTransport({ dispatcher, timeoutMs, maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES })

  const call = createCaller(send, onCall)

  // STYLE §3.8: everything a call does not change is built once.
  const tokenUrl = options.tokenUrl.href
  const userinfoUrl = options.userinfoUrl.href
  const topupUrl = options.topupUrl.href
  const appsUrl = options.appsUrl.href
  const clientAuth = new URLSearchParams({ client_id: options.clientId, client_secret: clientSecret }).toString()
  const redirectParam = new URLSearchParams({ redirect_uri: options.redirectUri }).toString()

  function tokenCall (endpoint: 'token' | 'refresh', grant: string, sent: readonly string[]): Promise<TokenSet> {
    const body = `${grant}&${clientAuth}`
    return call(endpoint, tokenUrl, { method: 'POST', headers: FORM_HEADERS, body }, [clientSecret, ...sent],
      (res) => parseTokenResponse(res, endpoint))
  }

  return {
    buildAuthorizeUrl: createAuthorizeUrlBuilder(options),

    exchangeCode ({ code, codeVerifier }) {
      const grant = new URLSearchParams({ grant_type: 'authorization_code', code })
      if (codeVerifier !== undefined) grant.set('code_verifier', codeVerifier)
      return tokenCall('token', `${grant.toString()}&${redirectParam}`, [code, codeVerifier ?? ''])
    },

    refresh (refreshToken) {
      const grant = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken })
      return tokenCall('refresh', grant.toString(), [refreshToken])
    },

    async userinfo (accessToken) {
      return await call('userinfo', userinfoUrl, { method: 'GET', headers: bearer('userinfo', accessToken) },
        [accessToken], parseUserinfoResponse)
    },

    async topup (accessToken) {
      return await call('topup', topupUrl, { method: 'GET', headers: bearer('topup', accessToken) },
        [accessToken], parseTopupResponse)
    },

    async registerApp (developerToken, app) {
      const body = JSON.stringify({ name: app.name, description: app.description, redirect_uri: app.redirectUri })
      const headers = { ...bearer('apps', developerToken), 'content-type': 'application/json' }
      return await call('apps', appsUrl, { method: 'POST', headers, body }, [developerToken], parseAppResponse)
    },

    async close () {
      if (ownsDispatcher) await dispatcher.close()
    }
  }
}
