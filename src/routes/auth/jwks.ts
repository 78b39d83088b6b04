// GET <authPrefix>/jwks.json (SPEC §5 assertionKey): the public keys that verify X-Auth-Assertion.
import type { FastifyInstance } from 'fastify'
import type { AppContext } from '../context.js'

export async function jwksRoute (_app: FastifyInstance, _ctx: AppContext): Promise<void> {}
