// Output encoding for the pages the proxy renders. Every interpolated value goes through
// escapeHtml, in text and in (always double-quoted) attributes alike, so one function covers
// both contexts.

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;'
}

const HTML_SPECIAL = /[&<>"'`]/g

export function escapeHtml (value: string): string {
  return value.replace(HTML_SPECIAL, (ch) => HTML_ESCAPES[ch] ?? ch)
}

// C0/C1 controls and line/paragraph separators from a provider's error_description would only
// confuse the layout (or a screen reader); they become spaces before truncation.
const CONTROL_CHARS = /[\p{Cc}\u2028\u2029]/gu

// Cuts by code points, so a surrogate pair (an emoji, a rare CJK character) is never split.
export function truncateText (value: string, maxChars: number): string {
  const cleaned = value.replace(CONTROL_CHARS, ' ').trim()
  const chars = Array.from(cleaned)
  if (chars.length <= maxChars) return cleaned
  return chars.slice(0, maxChars).join('').trimEnd() + '…'
}

// Links on these pages are same-origin paths built by the caller (§4: redirects to the proxy's
// own endpoints are relative). Anything else — `//host`, `/\host`, a scheme, whitespace — would
// be a caller bug that could send a user off-site, so it is replaced by `/` rather than rendered.
const SAFE_PATH = /^\/(?![/\\])[^\s\\\p{Cc}]*$/u

export function toSafeHref (path: string): string {
  return SAFE_PATH.test(path) ? path : '/'
}

// Fills `{name}` placeholders in a (trusted) template with values; the template and every value
// are escaped, so the result is safe HTML text. An unknown placeholder is left visible, which
// a test of the strings tables catches.
export function fillTemplate (template: string, values: Readonly<Record<string, string>>): string {
  return escapeHtml(template).replace(/\{([a-zA-Z]+)\}/g, (whole, name: string) => {
    const value = Object.hasOwn(values, name) ? values[name] : undefined
    return value === undefined ? whole : escapeHtml(value)
  })
}
