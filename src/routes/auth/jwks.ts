// GET <authPrefix>/jwks.json (SPEC §4, §3 assertionKey): the public key that verifies
// X-Auth-Assertion. Not registered without assertionKey, so the prefix's catch-all answers 404.
import type { FastifyInstance } from 'fastify'
import { createAssertionSigner } from '../../proxy/assertion.js'
import type { AppContext } from '../context.js'

// Verifiers (jose's createRemoteJWKSet) refetch on an unknown kid anyway, so a rotated key is
// picked up at once; an hour only spares the proxy the polling.
const CACHE_CONTROL = 'public, max-age=3600'

export async function jwksRoute (app: FastifyInstance, ctx: AppContext): Promise<void> {
  const { config } = ctx
  if (config.assertionKey === undefined) return
  const { jwk } = createAssertionSigner({ privateKeyPem: config.assertionKey, issuer: config.redirectUrl.origin, audience: config.upstream.origin })
  const body = JSON.stringify({ keys: [jwk] })
  app.get(`${config.authPrefix}/jwks.json`, { config: { routeKind: 'auth' } }, async (_request, reply) =>
    reply.header('cache-control', CACHE_CONTROL).type('application/jwk-set+json').send(body))
}
