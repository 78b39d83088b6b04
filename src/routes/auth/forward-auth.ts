// GET <authPrefix>/auth and <authPrefix>/auth/traefik (SPEC §6): the auth check for ingresses
// that route themselves (nginx auth_request, Envoy ext_authz, Traefik ForwardAuth).
import type { FastifyInstance } from 'fastify'
import type { AppContext } from '../context.js'

export async function forwardAuthRoutes (_app: FastifyInstance, _ctx: AppContext): Promise<void> {}
