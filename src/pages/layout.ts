import { escapeHtml } from './escape.js'
import type { Lang } from './language.js'

// What a page renderer produces before the shared document shell is put around it.
export interface PageContent {
  status: number
  lang: Lang
  // Plain text; escaped here.
  title: string
  // Trusted HTML built by the renderer, with every interpolated value already escaped.
  body: string
}

// `styleElement` is the precomputed `<style>…</style>` whose text the CSP hash covers.
export function renderDocument (content: PageContent, styleElement: string): string {
  const title = escapeHtml(content.title)
  return [
    '<!doctype html>',
    `<html lang="${escapeHtml(content.lang)}">`,
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="robots" content="noindex">',
    `<title>${title}</title>`,
    styleElement,
    '</head>',
    '<body>',
    '<main>',
    `<h1>${title}</h1>`,
    content.body,
    '</main>',
    '</body>',
    '</html>',
    ''
  ].join('\n')
}

export function paragraph (html: string, className?: string): string {
  return className === undefined ? `<p>${html}</p>` : `<p class="${className}">${html}</p>`
}

// `href` must already have been through toSafeHref; it is escaped here.
export function link (href: string, text: string, asButton: boolean): string {
  const cls = asButton ? ' class="button"' : ''
  return `<a${cls} href="${escapeHtml(href)}">${escapeHtml(text)}</a>`
}
