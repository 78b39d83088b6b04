// The seed data docs/simulator.md promises: `buildSimulator()` and `simulate-provider` start
// with it, and `POST /__control/reset` returns to it.
import type { SimClientInput, SimSettings, SimUserInput } from './types.js'

// AIHubMix's developer guide uses this timestamp in its examples (2022-01-01 00:00:00 UTC).
const SEED_CREATED_TIME = 1640995200

export function seedUsers (): SimUserInput[] {
  return [
    { id: 1001, username: 'alice', password: 'alice-password', email: 'alice@example.com', quota: 10000000, used_quota: 2500000, status: 1, created_time: SEED_CREATED_TIME },
    { id: 1002, username: '张三', password: 'zhangsan-password', email: 'zhangsan@example.cn', quota: 1000000, used_quota: 0, status: 1, created_time: SEED_CREATED_TIME },
    { id: 1003, username: 'disabled', password: 'disabled-password', email: 'disabled@example.com', quota: 0, used_quota: 0, status: 2, created_time: SEED_CREATED_TIME }
  ]
}

export function seedClients (): SimClientInput[] {
  return [
    { client_id: 'demo-client', client_secret: 'demo-secret', redirect_uri: 'http://localhost:4180/oauth2/callback', name: 'Demo app' }
  ]
}

export function seedDeveloperTokens (): string[] {
  return ['dev-token']
}

// §2: access token 2 h, refresh token 30 d; §9: codes live 10 minutes.
export function defaultSettings (): SimSettings {
  return {
    access_token_ttl: 7200,
    refresh_token_ttl: 30 * 24 * 3600,
    code_ttl: 600,
    rotate_refresh_tokens: true,
    wrap: false
  }
}
