// Builds the store the configuration asks for (SPEC §3 sessionStore). The caller owns it and
// closes it after the app.
import type { Config } from '../config/index.js'
import { createMemoryStore } from './memory-store.js'
import { createRedisClient } from './redis-client.js'
import { createRedisStore } from './redis-store.js'
import type { SessionStore } from './store.js'

// §7: a request carrying a session cookie gets its 503 within 1 s when Redis hangs.
const REDIS_COMMAND_TIMEOUT_MS = 800
const REDIS_CONNECT_TIMEOUT_MS = 2000

export function createStoreFromConfig (
  config: Config, options: { now: () => number, onError: (err: Error) => void }
): SessionStore {
  if (config.sessionStore === 'memory') return createMemoryStore({ now: options.now })
  const client = createRedisClient({
    ...(config.redisUrl === undefined ? {} : { url: config.redisUrl }),
    ...(config.redisSentinels === undefined ? {} : { sentinels: config.redisSentinels }),
    ...(config.redisSentinelMaster === undefined ? {} : { sentinelMaster: config.redisSentinelMaster }),
    ...(config.redisClusterNodes === undefined ? {} : { clusterNodes: config.redisClusterNodes }),
    ...(config.redisCaFile === undefined ? {} : { caFile: config.redisCaFile }),
    ...(config.redisUsername === undefined ? {} : { username: config.redisUsername }),
    ...(config.redisPassword === undefined ? {} : { password: config.redisPassword }),
    ...(config.redisUrl === undefined ? { tls: config.redisTls } : {}),
    commandTimeoutMs: REDIS_COMMAND_TIMEOUT_MS,
    connectTimeoutMs: REDIS_CONNECT_TIMEOUT_MS,
    onError: options.onError
  })
  return createRedisStore({ client, keyPrefix: config.redisKeyPrefix, sessionMaxAgeMs: config.sessionMaxAge })
}
