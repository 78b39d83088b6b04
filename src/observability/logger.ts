import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { Writable } from 'node:stream'
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify'
import { pino, type Logger, type LoggerOptions } from 'pino'
import pretty from 'pino-pretty'
import '../request-context.js'

// §10: cookies, Authorization, tokens and secrets never reach a log line, at any level. A key
// with one of these names is censored at the top of a line and inside every object a line
// carries (an error and its cause, a config, headers, a request), so a provider error or a
// config object logged whole cannot carry one out.
// `code` is not among them: it is how every error names itself (ECONNREFUSED, AAP_ERR_*;
// docs/errors.md), and an OAuth2 authorization code only ever travels in the callback's query
// string, which no line carries (the URL serializers and AccessLogController drop queries).
const SECRET_KEYS = [
  'accessToken', 'refreshToken', 'access_token', 'refresh_token', 'token', 'x-access-token',
  'codeVerifier', 'code_verifier', 'verifier', 'ticket',
  'clientSecret', 'client_secret', 'cookieSecret', 'secret', 'password', 'redisPassword', 'redisUrl',
  'assertionKey', 'developerToken', 'x-auth-assertion',
  'authorization', 'proxy-authorization', 'cookie', 'set-cookie'
]

// Named containers rather than `*` wildcards: pino applies a wildcard path to every field of
// every line, which measured 20 µs per access line for one level and 50 µs for two (against
// 1 µs without), on the line each request writes. A named path costs only on the lines that
// carry that field, and those are rare (errors, debugging).
const SECRET_CONTAINERS = [
  '', 'err', 'err.cause', 'err.cause.cause', 'err.headers', 'err.options', 'err.config', 'err.response',
  'error', 'cause', 'config', 'headers', 'options', 'tokens', 'session', 'session.tokens', 'login', 'body', 'query',
  'req.headers', 'res.headers', 'request.headers', 'response.headers'
]

// pino compiles these paths once, when the logger is built; writing a line parses none.
export const REDACT_PATHS = SECRET_CONTAINERS.flatMap((container) => SECRET_KEYS.map((key) => {
  const segment = /^[A-Za-z_]\w*$/.test(key) ? key : `["${key}"]`
  if (container === '') return segment
  return segment.startsWith('[') ? container + segment : `${container}.${segment}`
}))

export interface LoggerSettings {
  logLevel: string
  logFormat: 'json' | 'pretty'
}

export function createLoggerOptions (settings: Pick<LoggerSettings, 'logLevel'>): LoggerOptions {
  return {
    level: settings.logLevel,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    // Our access line logs what it needs; Fastify's default req serializer would log the raw
    // URL, whose query holds the callback's `code` and `state`. A bare `url` (http-proxy's
    // websocket line) loses its query too: a client may put anything there.
    serializers: {
      req: serializeRequest,
      url: stripQuery,
      err: pino.stdSerializers.err
    }
  }
}

export function createLogger (settings: LoggerSettings, destination: Writable = process.stdout): Logger {
  const stream = settings.logFormat === 'pretty'
    ? pretty({ destination, colorize: false, sync: true })
    : destination
  return pino(createLoggerOptions(settings), stream)
}

function serializeRequest (req: { method?: string, url?: string, id?: string }): Record<string, unknown> {
  return { method: req.method, path: stripQuery(req.url) }
}

function stripQuery<T> (url: T): T | string {
  if (typeof url !== 'string') return url
  const q = url.indexOf('?')
  return q === -1 ? url : url.slice(0, q)
}

// §10: an incoming X-Request-Id is kept when it is at most 128 safe characters, so one id
// follows a request through the ingress, the proxy and the upstream; anything else is replaced.
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:/@+=-]{1,128}$/

export function generateRequestId (req: IncomingMessage): string {
  const incoming = req.headers['x-request-id']
  if (typeof incoming === 'string' && SAFE_REQUEST_ID.test(incoming)) return incoming
  return randomUUID()
}

// The upstream's own status and time to headers, when it answered (a 502/504 is the proxy's).
function upstreamFields (request: FastifyRequest, reply: FastifyReply): { upstreamStatus?: number, upstreamMs?: number } {
  const headersMs = request.upstreamTiming?.headersMs
  if (headersMs === undefined) return {}
  return { upstreamStatus: reply.statusCode, upstreamMs: Math.round(headersMs * 100) / 100 }
}

// One access line per request instead of Fastify's two; it carries no query string.
export class AccessLogController extends LogController {
  override incomingRequest (): void {}

  // Fastify's own line puts the raw URL, query and all, into its message.
  override routeNotFound (request: FastifyRequest): void {
    request.log.info({ method: request.method, path: stripQuery(request.url) }, 'route not found')
  }

  override requestCompleted (error: Error | null, request: FastifyRequest, reply: FastifyReply): void {
    const line = {
      method: request.method,
      path: stripQuery(request.url),
      status: reply.statusCode,
      durationMs: Math.round(reply.elapsedTime * 100) / 100,
      kind: request.routeOptions.config.routeKind,
      userId: request.auth?.userId,
      ...upstreamFields(request, reply)
    }
    if (error != null) {
      reply.log.error({ ...line, err: error }, 'request errored')
    } else {
      reply.log.info(line, 'request completed')
    }
  }
}
