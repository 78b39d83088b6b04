import { createHash } from 'node:crypto'

// The one stylesheet every page shares, inlined in a <style> element and allowed by its hash
// in the CSP (no 'unsafe-inline', no external assets). Class names only: style="" attributes
// would need 'unsafe-hashes'.
export const STYLESHEET = [
  ':root{color-scheme:light dark;font-family:system-ui,-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei",sans-serif;line-height:1.5}',
  'body{margin:0;padding:1rem;background:Canvas;color:CanvasText}',
  'main{max-width:30rem;margin:8vh auto;padding:1.5rem;border:1px solid #8886;border-radius:.75rem}',
  'h1{font-size:1.4rem;margin:0 0 .75rem}',
  'p{margin:.6rem 0}',
  '.alert{padding:.75rem;border-radius:.5rem;background:#fdecea;color:#611a15}',
  '.muted{font-size:.85rem;opacity:.75;overflow-wrap:anywhere}',
  '.button{display:inline-block;margin-top:.75rem;padding:.7rem 1.2rem;border:0;border-radius:.5rem;background:#2358d8;color:#fff;font:inherit;font-weight:600;text-decoration:none;cursor:pointer}',
  '.button:hover{background:#1a45ad}',
  '.button:focus-visible,a:focus-visible{outline:3px solid #f5a623;outline-offset:2px}',
  'a{color:#2358d8;overflow-wrap:anywhere}',
  '@media (prefers-color-scheme:dark){.alert{background:#4a1c1c;color:#ffd7d2}a{color:#8fb0ff}}'
].join('\n')

// CSP3 hash-source: base64 of the SHA-256 of the element's exact text content.
export function hashStyle (css: string): string {
  return `'sha256-${createHash('sha256').update(css, 'utf8').digest('base64')}'`
}
