// The demo upstream's HTML: what an app behind the proxy receives (SPEC §5 identity headers,
// decoded as every upstream should), plus links that exercise the proxy's own endpoints.
// Everything shown comes from request headers, so every value is escaped.
import { escapeHtml } from '../pages/escape.js'

export const IDENTITY_HEADERS = [
  'x-user-id',
  'x-user-name',
  'x-user-email',
  'x-user-balance',
  'x-user-quota',
  'x-user-used-quota'
] as const

// Same-origin assets only: the page's CSP allows no inline script or style.
export const DEMO_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'"
].join('; ')

export const DEMO_CSS = [
  'body{font-family:system-ui,sans-serif;margin:0 auto;padding:1rem;max-width:60rem;line-height:1.5}',
  'table{border-collapse:collapse;width:100%}',
  'th,td{text-align:left;vertical-align:top;padding:.3rem .5rem;border-bottom:1px solid #8884;overflow-wrap:anywhere}',
  'code{font-size:.9em}',
  'tr.identity{background:#fff3c4;color:#222}',
  '.actions a,.actions button{margin-right:1rem}',
  '.missing{opacity:.7}'
].join('\n')

// Opens /events when asked and lists each event as it arrives; closes on the stream's end so
// EventSource does not reconnect forever.
export const DEMO_JS = `'use strict'
const button = document.getElementById('start-events')
const list = document.getElementById('events')
button.addEventListener('click', () => {
  button.disabled = true
  list.replaceChildren()
  const source = new EventSource(button.dataset.url)
  source.addEventListener('message', (event) => {
    const item = document.createElement('li')
    item.textContent = event.data
    list.append(item)
  })
  source.addEventListener('error', () => {
    source.close()
    button.disabled = false
  })
})
`

export interface DemoPageInput {
  // Node's rawHeaders: name, value, name, value… exactly as received, duplicates included.
  rawHeaders: readonly string[]
  authPrefix: string
}

const INVALID_ENCODING = '(not valid percent-encoding)'

// §5: upstreams apply decodeURIComponent to every identity header.
export function decodeHeaderValue (raw: string): string {
  try {
    return decodeURIComponent(raw)
  } catch {
    return INVALID_ENCODING
  }
}

function headerPairs (rawHeaders: readonly string[]): Array<[string, string]> {
  const pairs: Array<[string, string]> = []
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    pairs.push([rawHeaders[i] ?? '', rawHeaders[i + 1] ?? ''])
  }
  return pairs
}

function identityTable (pairs: ReadonlyArray<[string, string]>): string {
  const rows = IDENTITY_HEADERS.map((name) => {
    const values = pairs.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v)
    if (values.length === 0) {
      return `<tr><th>${name}</th><td class="missing" colspan="2">not sent</td></tr>`
    }
    return values.map((raw) =>
      `<tr class="identity"><th>${name}</th><td><code>${escapeHtml(raw)}</code></td>` +
      `<td>${escapeHtml(decodeHeaderValue(raw))}</td></tr>`
    ).join('\n')
  })
  return [
    '<table>',
    '<thead><tr><th>header</th><th>raw</th><th>decodeURIComponent</th></tr></thead>',
    '<tbody>', ...rows, '</tbody>',
    '</table>'
  ].join('\n')
}

function allHeadersTable (pairs: ReadonlyArray<[string, string]>): string {
  const identity = new Set<string>(IDENTITY_HEADERS)
  const rows = pairs.map(([name, value]) => {
    const cls = identity.has(name.toLowerCase()) ? ' class="identity"' : ''
    return `<tr${cls}><th>${escapeHtml(name)}</th><td><code>${escapeHtml(value)}</code></td></tr>`
  })
  return ['<table>', '<tbody>', ...rows, '</tbody>', '</table>'].join('\n')
}

function greeting (pairs: ReadonlyArray<[string, string]>): string {
  const name = pairs.find(([n]) => n.toLowerCase() === 'x-user-name')?.[1]
  if (name === undefined) {
    return '<p>No identity headers arrived: this request did not come through the proxy, or the route skips authentication.</p>'
  }
  return `<p>Signed in as <strong>${escapeHtml(decodeHeaderValue(name))}</strong>.</p>`
}

export function renderDemoPage (input: DemoPageInput): string {
  const pairs = headerPairs(input.rawHeaders)
  const prefix = escapeHtml(input.authPrefix)
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<title>aihubmix-auth-proxy demo upstream</title>',
    '<link rel="stylesheet" href="/app.css">',
    '<script src="/app.js" defer></script>',
    '</head>',
    '<body>',
    '<main>',
    '<h1>Demo upstream</h1>',
    greeting(pairs),
    '<h2>Identity headers</h2>',
    identityTable(pairs),
    '<h2>Try the proxy</h2>',
    '<p class="actions">',
    `<a href="${prefix}/userinfo">userinfo</a>`,
    `<a href="${prefix}/userinfo?refresh=1">userinfo, balance refreshed now</a>`,
    `<a href="${prefix}/topup">top up</a>`,
    '<a href="/events">raw event stream</a>',
    '</p>',
    `<form method="post" action="${prefix}/sign_out"><button type="submit">Sign out</button></form>`,
    '<h2>Server-sent events through the proxy</h2>',
    '<p><button type="button" id="start-events" data-url="/events">Start the event stream</button></p>',
    '<ol id="events"></ol>',
    '<h2>Every request header received</h2>',
    allHeadersTable(pairs),
    '</main>',
    '</body>',
    '</html>',
    ''
  ].join('\n')
}
