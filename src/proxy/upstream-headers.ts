import type { IncomingHttpHeaders } from 'node:http'
import proxyAddr from '@fastify/proxy-addr'
import type { UserInfo } from '../provider/responses.js'
import { encodeHeaderValue } from '../rules/header-value.js'

// The userinfo fields the proxy turns into headers (§5); the session keeps AIHubMix's JSON
// types, headers carry them as text.
export type IdentitySource = Pick<UserInfo, 'id' | 'username' | 'email' | 'quota' | 'used_quota' | 'balance_formatted'>

const IDENTITY_FIELDS: ReadonlyArray<readonly [keyof IdentitySource, string]> = [
  ['id', 'x-user-id'],
  ['username', 'x-user-name'],
  ['email', 'x-user-email'],
  ['balance_formatted', 'x-user-balance'],
  ['quota', 'x-user-quota'],
  ['used_quota', 'x-user-used-quota']
]

export function buildIdentityHeaders (user: IdentitySource, accessToken?: string): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const [field, name] of IDENTITY_FIELDS) {
    const value = user[field]
    if (value !== undefined && value !== null) headers[name] = encodeHeaderValue(String(value))
  }
  if (accessToken !== undefined) headers['x-access-token'] = accessToken
  return headers
}

export interface ForwardingPolicy {
  isTrustedPeer: (address: string | undefined) => boolean
}

export function compileForwardingPolicy (trustProxy: readonly string[] | false): ForwardingPolicy {
  if (trustProxy === false || trustProxy.length === 0) return { isTrustedPeer: () => false }
  const trust = proxyAddr.compile([...trustProxy])
  return { isTrustedPeer: (address) => address !== undefined && trust(address, 0) }
}

export interface ForwardingFacts {
  remoteAddress: string | undefined
  // as Fastify resolved them with trustProxy: the scheme and host the client used
  protocol: string
  host: string
}

// §5: X-Forwarded-* and Forwarded from the client are replaced, not trusted, unless the peer is
// a trustProxy hop (then appended to). Runs on the copy reply-from sends upstream.
export function applyForwardedHeaders (headers: IncomingHttpHeaders, facts: ForwardingFacts, policy: ForwardingPolicy): void {
  const trusted = policy.isTrustedPeer(facts.remoteAddress)
  const remote = facts.remoteAddress ?? ''
  const incomingFor = headers['x-forwarded-for']
  headers['x-forwarded-for'] = trusted && typeof incomingFor === 'string' && incomingFor !== ''
    ? `${incomingFor}, ${remote}`
    : remote
  headers['x-forwarded-proto'] = facts.protocol
  headers['x-forwarded-host'] = facts.host
  if (!trusted) delete headers.forwarded
  for (const name of Object.keys(headers)) {
    if (name.startsWith('x-forwarded-') && name !== 'x-forwarded-for' && name !== 'x-forwarded-proto' &&
      name !== 'x-forwarded-host' && !trusted) {
      delete headers[name]
    }
  }
}

// The websocket client (ws) writes the handshake itself (RFC 6455 §4.1: Host, Connection,
// Upgrade, Sec-WebSocket-Key/-Version/-Extensions, and -Protocol from the subprotocol the proxy
// accepted): a client's copy would go out a second time, in another spelling. The rest are
// hop-by-hop (RFC 9110 §7.6.1) and belong to the client's connection only.
const NOT_FORWARDED_ON_UPGRADE: ReadonlySet<string> = new Set([
  'host', 'connection', 'upgrade', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer',
  'http2-settings', 'content-length', 'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-extensions',
  'sec-websocket-protocol', 'sec-websocket-accept'
])

// §5: what a websocket upgrade forwards of the client's (already stripped) headers, as
// reply-from does for an HTTP request: the names listed in `Connection` go too, before the
// proxy adds its own, so a client cannot name X-User-Id there to remove what the proxy adds.
export function websocketRequestHeaders (client: IncomingHttpHeaders): IncomingHttpHeaders {
  const listed = typeof client.connection === 'string' ? client.connection.toLowerCase().split(',').map((name) => name.trim()) : []
  const out: IncomingHttpHeaders = {}
  for (const [name, value] of Object.entries(client)) {
    if (value === undefined || NOT_FORWARDED_ON_UPGRADE.has(name) || listed.includes(name)) continue
    out[name] = value
  }
  return out
}
