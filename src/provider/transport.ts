// One AIHubMix HTTP exchange over the injected undici dispatcher, bounded in time and size.
// undici defaults headersTimeout and bodyTimeout to 300 s (STYLE §3.8), and bodyTimeout only
// bounds the gap between chunks, so an overall deadline also covers a body that trickles forever.
import { request, type Dispatcher } from 'undici'
import { createProviderError, fromTransportError, type ProviderEndpoint } from './failure.js'
import { readBoundedBody } from './read-body.js'
import type { ProviderResponse } from './responses.js'

export interface TransportOptions {
  dispatcher: Dispatcher
  timeoutMs: number
  maxBodyBytes: number
}

export interface ProviderRequest {
  method: 'GET' | 'POST'
  headers: Record<string, string>
  body?: string
}

export type Send = (endpoint: ProviderEndpoint, url: string, req: ProviderRequest) => Promise<ProviderResponse>

function single (value: string | string[] | undefined): string | undefined {
  // A repeated Content-Type is ambiguous; treating it as absent makes the validator refuse it.
  return typeof value === 'string' ? value : undefined
}

export function createTransport ({ dispatcher, timeoutMs, maxBodyBytes }: TransportOptions): Send {
  return async function send (endpoint, url, req) {
    const deadline = new AbortController()
    const timer = setTimeout(() => deadline.abort(), timeoutMs)
    try {
      const res = await request(url, {
        dispatcher,
        method: req.method,
        headers: req.headers,
        body: req.body ?? null,
        signal: deadline.signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs
      })
      const declared = Number(single(res.headers['content-length']))
      if (declared > maxBodyBytes) {
        res.body.destroy()
        throw createProviderError('bad_response', endpoint, { reason: 'body too large', status: res.statusCode })
      }
      const body = await readBoundedBody(res.body, maxBodyBytes, endpoint)
      return { status: res.statusCode, contentType: single(res.headers['content-type']), body }
    } catch (err) {
      throw fromTransportError(err, endpoint, deadline.signal.aborted)
    } finally {
      clearTimeout(timer)
    }
  }
}
