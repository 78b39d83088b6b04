// Shared inputs for the config tests: a minimal valid configuration in each spelling.
export const COOKIE_SECRET = 'cookie-secret-cookie-secret-cookie-secret-42'
export const CLIENT_SECRET = 'client-secret-value-9f8e7d'

export const validRaw = {
  upstream: 'http://127.0.0.1:3000',
  clientId: 'client-id',
  clientSecret: CLIENT_SECRET,
  redirectUrl: 'https://app.example.com/oauth2/callback',
  cookieSecret: COOKIE_SECRET
}

export const validEnv: Record<string, string> = {
  AUTH_PROXY_UPSTREAM: validRaw.upstream,
  AUTH_PROXY_CLIENT_ID: validRaw.clientId,
  AUTH_PROXY_CLIENT_SECRET: CLIENT_SECRET,
  AUTH_PROXY_REDIRECT_URL: validRaw.redirectUrl,
  AUTH_PROXY_COOKIE_SECRET: COOKIE_SECRET
}
