// The app the `demo` command puts behind the proxy (SPEC §8), on 127.0.0.1:4182. It shows what
// an upstream receives and gives the proxy's streaming paths something to carry: an SSE
// stream (§5: no buffering) and a body echo (uploads streamed both ways). Tests use it as a
// real upstream. Built, never listening: the caller listens and closes.
import { Readable } from 'node:stream'
import Fastify, { type FastifyInstance } from 'fastify'
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { DEMO_CSP, DEMO_CSS, DEMO_JS, renderDemoPage } from './page.js'

export interface DemoUpstreamOptions {
  logger?: boolean
  // Where the proxy's own endpoints live, for the page's links (SPEC §3 `authPrefix`).
  authPrefix?: string
}

const EventsQuery = Type.Object({
  interval: Type.Integer({ minimum: 1, maximum: 60_000, default: 500 }),
  count: Type.Integer({ minimum: 1, maximum: 10_000, default: 10 })
})

// One `data:` event every `intervalMs`, `count` of them, then the end. Pushing (rather than
// buffering a generator) writes each event to the socket as it is produced. A comment goes
// first so the response headers leave at once, before the first event is due.
export function createEventStream (count: number, intervalMs: number): Readable {
  let sent = 0
  const stream = new Readable({
    read () {},
    destroy (err, callback) {
      clearInterval(timer)
      callback(err)
    }
  })
  stream.push(': demo events\n\n')
  const timer = setInterval(() => {
    sent += 1
    stream.push(`data: ${JSON.stringify({ n: sent, t: Date.now() })}\n\n`)
    if (sent >= count) {
      clearInterval(timer)
      stream.push(null)
    }
  }, intervalMs)
  return stream
}

function registerPage (app: FastifyInstance, authPrefix: string): void {
  app.get('/', async (request, reply) => {
    reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', DEMO_CSP)
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff')
      // Not no-referrer: the sign-out form would then POST with `Origin: null` (Fetch). The
      // page is served through the proxy, so same-origin sends the proxy's own Origin.
      .header('referrer-policy', 'same-origin')
    return renderDemoPage({ rawHeaders: request.raw.rawHeaders, authPrefix })
  })
  app.get('/app.css', async (_request, reply) => {
    reply.header('content-type', 'text/css; charset=utf-8').header('x-content-type-options', 'nosniff')
    return DEMO_CSS
  })
  app.get('/app.js', async (_request, reply) => {
    reply.header('content-type', 'text/javascript; charset=utf-8').header('x-content-type-options', 'nosniff')
    return DEMO_JS
  })
}

// Uploads are echoed as they arrive: no parser runs, so any content type and any size stream
// straight back. Encapsulated, so the raw-body parser stays inside this route.
async function echoRoutes (echo: FastifyInstance): Promise<void> {
  echo.removeAllContentTypeParsers()
  echo.addContentTypeParser('*', (_request, payload, done) => { done(null, payload) })
  echo.post('/echo', async (request, reply) => {
    reply.header('content-type', request.headers['content-type'] ?? 'application/octet-stream')
    return reply.send(request.raw)
  })
}

export async function buildDemoUpstream (options: DemoUpstreamOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({ logger: options.logger ?? false })
  registerPage(app, options.authPrefix ?? '/oauth2')

  app.get('/headers', async (request) => request.headers)
  // Any other GET answers what arrived, so a user (or a test) sees the exact path and query
  // the proxy forwarded after normalization (SPEC §5).
  app.get('/*', async (request) => ({ method: request.method, url: request.url, headers: request.headers }))

  app.withTypeProvider<TypeBoxTypeProvider>().get('/events', {
    schema: { querystring: EventsQuery }
  }, async (request, reply) => {
    reply
      .header('content-type', 'text/event-stream')
      .header('cache-control', 'no-cache')
      // nginx in front of the demo would otherwise buffer the stream.
      .header('x-accel-buffering', 'no')
    return reply.send(createEventStream(request.query.count, request.query.interval))
  })

  await app.register(echoRoutes)
  return app
}
