// HTML for the simulated AIHubMix pages. Every value echoed into a page goes through escapeHtml:
// `continue`, `state` and client names are attacker-controlled.
import type { FastifyReply } from 'fastify'

export function escapeHtml (value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;')
}

function layout (title: string, body: string): string {
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · AIHubMix (simulator)</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 26rem; margin: 4rem auto; padding: 0 1rem; color: #222; }
form { display: grid; gap: .75rem; }
input, button { font-size: 1rem; padding: .5rem; }
.error { color: #b00020; }
.note { color: #666; font-size: .85rem; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${body}
<p class="note">AIHubMix simulator: a test double, not the real service.</p>
</body>
</html>
`
}

function hidden (name: string, value: string): string {
  return `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`
}

export function loginPage (continueUrl: string, error?: string): string {
  const err = error === undefined ? '' : `<p class="error" role="alert">${escapeHtml(error)}</p>`
  return layout('登录 Sign in', `${err}
<form method="post" action="/login">
${hidden('continue', continueUrl)}
<label>Username <input name="username" autocomplete="username" required></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Sign in</button>
</form>`)
}

const SCOPE_TEXT: Readonly<Record<string, string>> = {
  profile: 'your username and email',
  balance: 'your account balance'
}

export function consentPage (appName: string, username: string, fields: Record<string, string>): string {
  const scopes = (fields.scope ?? '').split(' ').filter((s) => s !== '')
  const items = scopes.map((s) => `<li>${escapeHtml(SCOPE_TEXT[s] ?? s)}</li>`).join('')
  const inputs = Object.entries(fields).map(([k, v]) => hidden(k, v)).join('\n')
  return layout('授权 Authorize', `<p><strong>${escapeHtml(appName)}</strong> wants to access, for
<strong>${escapeHtml(username)}</strong>:</p>
<ul>${items}</ul>
<form method="post" action="/api/oauth2/consent">
${inputs}
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>`)
}

export function errorPage (message: string): string {
  return layout('Error', `<p class="error" role="alert">${escapeHtml(message)}</p>`)
}

export function topupPage (): string {
  return layout('充值 Top up', '<p>This page stands for AIHubMix\'s top-up page.</p>')
}

export function sendPage (reply: FastifyReply, status: number, html: string): FastifyReply {
  return reply.code(status)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    // No scripts, no framing (the consent page must not be clickjacked), no referrer leaks.
    .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer')
    .send(html)
}
