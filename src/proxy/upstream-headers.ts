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
