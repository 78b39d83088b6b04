// What the proxy attaches to a request while it passes through; declared once so every module
// reads the same shape (Fastify module augmentation, as @fastify/secure-session does).

// Route kinds label access logs and metrics without putting paths (unbounded) into labels.
export type RouteKind = 'auth' | 'health' | 'proxy' | 'forward-auth' | 'other'

export interface RequestAuth {
  userId: string
}

// For the access line (issue 7): when the request left for the upstream, and how long the
// upstream took to answer with headers (absent when it never did).
export interface UpstreamTiming {
  startedAt: number
  headersMs?: number
}

declare module 'fastify' {
  interface FastifyContextConfig {
    routeKind?: RouteKind
  }
  interface FastifyRequest {
    auth?: RequestAuth
    upstreamTiming?: UpstreamTiming
  }
}
