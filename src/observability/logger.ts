import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { Writable } from 'node:stream'
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify'
import { pino, type Logger, type LoggerOptions } from 'pino'
import pretty from 'pino-pretty'
import '../request-context.js'

// §10: cookies, Authorization, tokens, secrets and codes never reach a log line, at any level.
// pino compiles these paths once, when the logger is built.
export const REDACT_PATHS = [
  'req.headers.cookie',
  'req.headers.authorization',
  'req.headers["x-access-token"]',
  'res.headers["set-cookie"]',
  'headers.cookie',
  'headers.authorization',
  'headers["set-cookie"]',
  '*.accessToken',
  '*.refreshToken',
  '*.access_token',
  '*.refresh_token',
  '*.clientSecret',
  '*.client_secret',
  '*.cookieSecret',
  '*.code',
  '*.codeVerifier',
  '*.code_verifier',
  '*.token',
  'accessToken',
  'refreshToken',
  'clientSecret',
  'cookieSecret',
  'code',
  'token'
]

export interface LoggerSettings {
  logLevel: string
  logFormat: 'json' | 'pretty'
}

export function createLoggerOptions (settings: Pick<LoggerSettings, 'logLevel'>): LoggerOptions {
  return {
    level: settings.logLevel,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    // Our access line logs what it needs; Fastify's default req serializer would log the raw
    // URL, whose query holds the callback's `code` and `state`.
    serializers: {
      req: serializeRequest,
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

function stripQuery (url: string | undefined): string | undefined {
  if (url === undefined) return undefined
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
